namespace Routing.Outcomes.Evaluation;

/// <summary>One model routed to for every query.</summary>
public sealed record SingleModelResult(string Model, double Accuracy, double CostUsd);

/// <summary>The router at one operating point λ (accuracy per USD): accuracy, cost and the share of queries per model.</summary>
public sealed record RouterPoint(double Lambda, double Accuracy, double CostUsd, IReadOnlyList<double> Shares);

/// <summary>How a strategy reaches the accuracy target and at what expected cost per query.</summary>
public sealed record TargetResult(double CostUsd, string How);

/// <summary>
/// The evaluation of a router on recorded outcomes: single models, the router's curve as λ sweeps, random
/// routing, the oracle, and for each strategy the cost per query needed to reach <see cref="TargetFraction"/> of
/// the best single model's accuracy (null when it cannot).
/// </summary>
public sealed record EvaluationReport(
    string TestFile,
    string Split,
    int Queries,
    IReadOnlyList<string> Models,
    string CostDescription,
    bool CostsEstimated,
    IReadOnlyList<SingleModelResult> Singles,
    SingleModelResult BestSingle,
    double TargetFraction,
    double TargetAccuracy,
    IReadOnlyList<RouterPoint> Router,
    CurvePoint UniformRandom,
    CurvePoint Oracle,
    TargetResult? RouterToTarget,
    TargetResult? RandomToTarget,
    RealisedSpread? RandomSpread,
    TargetResult? SingleToTarget)
{
    /// <summary>Scores of the test file outside 0..1 that were clipped while reading.</summary>
    public int ClippedScores { get; init; }

    /// <summary>The router's most accurate point (cheapest among ties).</summary>
    public RouterPoint RouterBest => Router.OrderByDescending(p => p.Accuracy).ThenBy(p => p.CostUsd).First();
}
