using Routing.Outcomes.Evaluation;

namespace Routing.Outcomes.Routers;

/// <summary>
/// One router on the test queries. <see cref="ValidatedBest"/> and <see cref="ValidatedTarget"/> are measured at
/// operating points fixed on validation before the test data was seen — the figures a deployment would get.
/// <see cref="Curve"/>, <see cref="ReferenceBest"/> and <see cref="ReferenceToTarget"/> pick among the λ sweep
/// with knowledge of the test outcomes: a reference, labelled as such, and the protocol of earlier reports.
/// </summary>
public sealed record MethodResult(
    RouterKind Kind,
    string Name,
    string Features,
    IReadOnlyList<RouterPoint> Curve,
    CurvePoint ReferenceBest,
    TargetResult? ReferenceToTarget,
    CurvePoint ValidatedBest,
    CurvePoint? ValidatedTarget,
    string ValidatedHow,
    double ValidationAccuracy,
    double ValidationBestSingleAccuracy);

/// <summary>Routers side by side on the same test queries, with single models, random routing and the oracle.</summary>
public sealed record ComparisonReport(
    string TestFile,
    string Split,
    int Queries,
    int Folds,
    IReadOnlyList<string> Models,
    string CostDescription,
    bool CostsEstimated,
    IReadOnlyList<SingleModelResult> Singles,
    SingleModelResult BestSingle,
    double TargetFraction,
    double TargetAccuracy,
    IReadOnlyList<MethodResult> Methods,
    CurvePoint UniformRandom,
    CurvePoint Oracle,
    TargetResult? RandomToTarget,
    TargetResult? SingleToTarget,
    string Boilerplate);
