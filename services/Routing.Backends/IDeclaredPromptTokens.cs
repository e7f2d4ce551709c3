namespace Routing.Backends;

/// <summary>
/// A backend that knows before a call how many prompt tokens it will bill, because it does not bill the messages it
/// is sent: the simulator bills its simulated episode's context. The executor reserves at least this many input tokens,
/// so the reservation bounds such a backend's bill without a blanket floor.
/// </summary>
public interface IDeclaredPromptTokens
{
    /// <summary>The prompt tokens the next call of <paramref name="taskId"/> on <paramref name="model"/> will bill, or null when unknown.</summary>
    long? DeclaredPromptTokens(string? taskId, string model);
}
