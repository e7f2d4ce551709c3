namespace Routing.Backends.Pool;

/// <summary>
/// The pool an executor serves without a pool file when <see cref="AgentPoolOptions.UseSimulator"/> is set: the
/// agents of an in-process backend the host registers (the lab's simulator, for <c>routing up</c> and benchmarks).
/// </summary>
public interface IInProcessAgentPool
{
    /// <summary>Where the agents come from, for the pool's log line ("the in-process simulator").</summary>
    string Source { get; }

    IReadOnlyList<AgentDefinition> Agents();
}
