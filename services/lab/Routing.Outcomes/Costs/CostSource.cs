namespace Routing.Outcomes.Costs;

/// <summary>Where a per-query cost came from, most trustworthy first.</summary>
public enum CostSource
{
    /// <summary>The file recorded <c>cost_usd</c>.</summary>
    Recorded,

    /// <summary>Prices × the file's recorded input and output token counts.</summary>
    RecordedTokens,

    /// <summary>Prices × estimated token counts (input from the text length, output assumed).</summary>
    Estimated,
}
