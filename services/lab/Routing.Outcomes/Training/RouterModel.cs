namespace Routing.Outcomes.Training;

/// <summary>
/// What the router knows about one model: a logistic success predictor over <see cref="TextFeatures"/>
/// (<see cref="Weights"/>, bias last) and a linear cost predictor in the query's length
/// (<see cref="CostInterceptUsd"/> + <see cref="CostPerCharUsd"/> × characters), both fitted on training data.
/// </summary>
public sealed record RouterModel(string Name, double InputUsdPerMTok, double OutputUsdPerMTok, float[] Weights, double CostInterceptUsd, double CostPerCharUsd);
