namespace Routing.Contracts.Wire;

/// <summary>gRPC trailers the budget and executor services add to a refusal, so a caller can act on it without parsing text.</summary>
public static class RoutingTrailers
{
    /// <summary>On a budget refusal: the µ$ the task (or tenant) still has.</summary>
    public const string RemainingMicros = "routing-remaining-micros";

    /// <summary>On a budget refusal: which limit refused (task_limit, large_call_cap, tenant_ceiling).</summary>
    public const string Refusal = "routing-refusal";
}
