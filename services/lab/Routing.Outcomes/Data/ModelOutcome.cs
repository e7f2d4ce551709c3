namespace Routing.Outcomes.Data;

/// <summary>
/// What one model did on one query: <see cref="Score"/> in 0..1 (1 = correct) and, where the source recorded
/// them, its cost in USD and token counts.
/// </summary>
public readonly record struct ModelOutcome(double Score, double? CostUsd, int? InputTokens, int? OutputTokens);
