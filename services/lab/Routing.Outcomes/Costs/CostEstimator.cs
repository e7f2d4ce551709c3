using Routing.Outcomes.Data;

namespace Routing.Outcomes.Costs;

/// <summary>
/// The cost of each model on each query in USD: the recorded <c>cost_usd</c> where there is one, otherwise list
/// prices × token counts — recorded counts where the file has them, else input tokens estimated as
/// ⌈characters / <see cref="CharsPerToken"/>⌉ and output tokens as <see cref="AssumedOutputTokens"/>. The
/// counts of each kind are kept so every report can say how much of its cost is an estimate.
/// </summary>
public sealed record CostEstimator(int AssumedOutputTokens = CostEstimator.DefaultAssumedOutputTokens, double CharsPerToken = CostEstimator.DefaultCharsPerToken)
{
    /// <summary>Output tokens assumed per answer when the file records none (a short worked answer).</summary>
    public const int DefaultAssumedOutputTokens = 256;

    /// <summary>The usual rule of thumb for English text with BPE tokenisers.</summary>
    public const double DefaultCharsPerToken = 4.0;

    /// <summary>Estimated input tokens of <paramref name="text"/>.</summary>
    public int EstimateInputTokens(string text) => (int)Math.Ceiling(text.Length / CharsPerToken);

    /// <summary>The cost and its source for one outcome.</summary>
    public (double CostUsd, CostSource Source) Cost(string text, ModelOutcome outcome, ModelPrice price)
    {
        if (outcome.CostUsd is { } recorded)
        {
            return (recorded, CostSource.Recorded);
        }

        var input = outcome.InputTokens ?? EstimateInputTokens(text);
        var output = outcome.OutputTokens ?? AssumedOutputTokens;
        var source = outcome.InputTokens is not null && outcome.OutputTokens is not null ? CostSource.RecordedTokens : CostSource.Estimated;
        return ((input * price.InputUsdPerMTok + output * price.OutputUsdPerMTok) / 1e6, source);
    }

    /// <summary>Costs of every model on every record of <paramref name="dataset"/> (all models must be priced).</summary>
    public CostMatrix Costs(OutcomeDataset dataset, PriceTable prices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(prices);
        prices.RequirePriced(dataset);
        var modelPrices = dataset.Models.Select(prices.Get).ToArray();
        var costs = new double[dataset.Records.Count][];
        var counts = new int[3];
        for (var r = 0; r < costs.Length; r++)
        {
            var record = dataset.Records[r];
            costs[r] = new double[modelPrices.Length];
            for (var m = 0; m < modelPrices.Length; m++)
            {
                var (cost, source) = Cost(record.Text, record.Outcomes[m], modelPrices[m]);
                costs[r][m] = cost;
                counts[(int)source]++;
            }
        }

        return new CostMatrix(costs, counts[(int)CostSource.Recorded], counts[(int)CostSource.RecordedTokens], counts[(int)CostSource.Estimated], this);
    }
}

/// <summary>Per-record, per-model costs in USD and how many of them were recorded, priced from recorded tokens, or estimated.</summary>
public sealed record CostMatrix(double[][] CostsUsd, int Recorded, int FromRecordedTokens, int Estimated, CostEstimator Estimator)
{
    /// <summary>True when any cost is an estimate.</summary>
    public bool AnyEstimated => Estimated > 0;

    /// <summary>One line for reports: what the cost figures are made of.</summary>
    public string Describe()
    {
        var total = Recorded + FromRecordedTokens + Estimated;
        if (Estimated == 0 && FromRecordedTokens == 0)
        {
            return "costs: recorded cost_usd for every outcome";
        }

        var parts = new List<string>();
        if (Recorded > 0)
        {
            parts.Add($"{Recorded} recorded");
        }

        if (FromRecordedTokens > 0)
        {
            parts.Add($"{FromRecordedTokens} from list prices × recorded tokens");
        }

        if (Estimated > 0)
        {
            parts.Add($"{Estimated} ESTIMATED from list prices × estimated tokens (input ⌈chars/{Estimator.CharsPerToken:0.##}⌉, output assumed {Estimator.AssumedOutputTokens})");
        }

        return $"costs of {total} outcomes: {string.Join(", ", parts)}";
    }
}
