namespace Routing.Training.Bopo;

/// <summary>
/// A policy-optimisation recipe: full BoPO and the ablations of docs/design.md §2.1.5 (each removes one ingredient),
/// plus vanilla RL (no boundary guidance: no SFT warm start, no reference-guided advantage, no hard bonus, no KL).
/// </summary>
public sealed record BopoVariant(string Name, bool StartFromSft, bool ReferenceGuided, bool HardBonus, bool KlToSft, string Description)
{
    public static BopoVariant Full { get; } = new("bopo", true, true, true, true, "BoPO: SFT warm start, reference-guided advantage, hard-task bonus, KL to SFT");

    public static BopoVariant WithoutReference { get; } = new("bopo-no-ref", true, false, true, true, "BoPO without the reference-guided advantage (group-only baseline)");

    public static BopoVariant WithoutHardBonus { get; } = new("bopo-no-hard", true, true, false, true, "BoPO without the hard-task bonus");

    public static BopoVariant VanillaRl { get; } = new("vanilla-rl", false, false, false, false, "Vanilla RL: group-relative PG from random weights, no boundary guidance");

    public static IReadOnlyList<BopoVariant> All { get; } = [Full, WithoutReference, WithoutHardBonus, VanillaRl];

    public static BopoVariant? Find(string name) => All.FirstOrDefault(v => v.Name == name);
}
