using Routing.Kubernetes.Watching;

namespace Routing.Policy.Rollout;

/// <summary>
/// Turns states of the rollout ConfigMap into configuration: a valid document overrides the versions and
/// weight, a deleted ConfigMap hands the decision back to the static settings, and an invalid one is logged
/// and ignored (what serves keeps serving).
/// </summary>
public sealed partial class RolloutConsumer(RolloutConfigurationProvider provider, ILogger<RolloutConsumer> logger) : IConfigMapConsumer
{
    public void Apply(ConfigMapSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Data is null)
        {
            LogAbsent(logger, snapshot.Source);
            provider.Apply(null);
            return;
        }
        var document = RolloutDocument.Parse(snapshot.Data, out var error);
        if (document is null)
        {
            LogInvalid(logger, snapshot.Source, error!);
            return;
        }
        LogApplied(logger, snapshot.Source, document.PrimaryVersion.Length == 0 ? "newest" : document.PrimaryVersion,
            document.CanaryVersion.Length == 0 ? "none" : document.CanaryVersion, document.CanaryWeight,
            document.ShadowVersion.Length == 0 ? "none" : document.ShadowVersion);
        provider.Apply(document);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout from {Source}: primary {Primary}, canary {Canary} at {Weight}, shadow {Shadow}.")]
    private static partial void LogApplied(ILogger logger, string source, string primary, string canary, double weight, string shadow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {Source} is absent; the static Routing:Policy settings decide which versions serve.")]
    private static partial void LogAbsent(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rollout {Source} ignored: {Error}. The serving versions are unchanged.")]
    private static partial void LogInvalid(ILogger logger, string source, string error);
}
