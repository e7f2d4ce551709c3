namespace Routing.ServiceDefaults;

/// <summary>Health-check tags: liveness checks only that the process serves; readiness adds dependencies.</summary>
public static class HealthTags
{
    public const string Ready = "ready";

    public const string Live = "live";
}
