namespace Routing.Outcomes.Evaluation;

/// <summary>An operating point: mean accuracy and mean cost per query (USD).</summary>
public readonly record struct CurvePoint(double CostUsd, double Accuracy);

/// <summary>
/// How to reach an accuracy target most cheaply from a set of operating points: either one point, or a random
/// mix that sends each query to <see cref="High"/> with probability <see cref="HighProbability"/> and to
/// <see cref="Low"/> otherwise — expected accuracy and cost are then the same mix of the two points'.
/// </summary>
public sealed record TargetMix(int Low, int High, double HighProbability, double CostUsd)
{
    /// <summary>True when one point reaches the target alone (no mixing).</summary>
    public bool Single => Low == High;
}

/// <summary>Cost of reaching an accuracy target from a set of operating points.</summary>
public static class OperatingCurve
{
    /// <summary>
    /// The cheapest expected cost at which the points — alone, or two of them mixed at random per query — reach
    /// <paramref name="target"/> accuracy; null when no point reaches it. Mixing is allowed because any router (or
    /// single model) can be randomised per query, which is exactly random routing between two operating points.
    /// </summary>
    public static TargetMix? CostToReach(IReadOnlyList<CurvePoint> points, double target)
    {
        ArgumentNullException.ThrowIfNull(points);
        TargetMix? best = null;
        for (var j = 0; j < points.Count; j++)
        {
            if (points[j].Accuracy < target)
            {
                continue;
            }

            Consider(new TargetMix(j, j, 1, points[j].CostUsd));
            for (var i = 0; i < points.Count; i++)
            {
                if (points[i].Accuracy >= target)
                {
                    continue;
                }

                var p = (target - points[i].Accuracy) / (points[j].Accuracy - points[i].Accuracy);
                Consider(new TargetMix(i, j, p, points[i].CostUsd + (p * (points[j].CostUsd - points[i].CostUsd))));
            }
        }

        return best;

        void Consider(TargetMix mix)
        {
            if (best is null || mix.CostUsd < best.CostUsd - 1e-18)
            {
                best = mix;
            }
        }
    }

    /// <summary>The points no other point beats on both cost (lower) and accuracy (higher), cheapest first.</summary>
    public static List<CurvePoint> ParetoFrontier(IEnumerable<CurvePoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var frontier = new List<CurvePoint>();
        foreach (var point in points.OrderBy(p => p.CostUsd).ThenByDescending(p => p.Accuracy))
        {
            if (frontier.Count == 0 || point.Accuracy > frontier[^1].Accuracy)
            {
                frontier.Add(point);
            }
        }

        return frontier;
    }

    /// <summary>
    /// What mixing the points at random per query can reach: the upper-left convex hull of the Pareto frontier,
    /// cheapest first (for single models this is the expected curve of random routing between them).
    /// </summary>
    public static List<CurvePoint> MixFrontier(IEnumerable<CurvePoint> points)
    {
        var hull = new List<CurvePoint>();
        foreach (var point in ParetoFrontier(points))
        {
            // Drop the last point while it lies on or under the segment from the one before it to the new point.
            while (hull.Count >= 2 && Cross(hull[^2], hull[^1], point) >= 0)
            {
                hull.RemoveAt(hull.Count - 1);
            }

            hull.Add(point);
        }

        return hull;

        static double Cross(CurvePoint a, CurvePoint b, CurvePoint c) =>
            ((b.CostUsd - a.CostUsd) * (c.Accuracy - a.Accuracy)) - ((b.Accuracy - a.Accuracy) * (c.CostUsd - a.CostUsd));
    }
}
