namespace Routing.Outcomes.Data;

/// <summary>List price of one model in USD per million input and output tokens.</summary>
public readonly record struct ModelPrice(double InputUsdPerMTok, double OutputUsdPerMTok);
