namespace Routing.Outcomes.Data;

/// <summary>
/// One query and every model's outcome on it; <see cref="Outcomes"/> is indexed like
/// <see cref="OutcomeDataset.Models"/>.
/// </summary>
public sealed record OutcomeRecord(string Id, string Text, string Source, int Line, IReadOnlyList<ModelOutcome> Outcomes);
