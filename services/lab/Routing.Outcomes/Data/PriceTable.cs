using System.Collections.Frozen;
using System.Text.Json;

namespace Routing.Outcomes.Data;

/// <summary>
/// The price table (<c>*.models.json</c>): an object mapping each model name to
/// <c>{"input_usd_per_mtok": x, "output_usd_per_mtok": y, …}</c>; other keys (size, notes) are ignored.
/// </summary>
public sealed class PriceTable
{
    private readonly FrozenDictionary<string, ModelPrice> _prices;

    public PriceTable(string path, IReadOnlyDictionary<string, ModelPrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        Path = path;
        _prices = prices.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Where the table came from (for messages).</summary>
    public string Path { get; }

    /// <summary>Every priced model, ordinal order.</summary>
    public IReadOnlyList<string> Models => [.. _prices.Keys.Order(StringComparer.Ordinal)];

    public IReadOnlyDictionary<string, ModelPrice> Prices => _prices;

    public bool TryGet(string model, out ModelPrice price) => _prices.TryGetValue(model, out price);

    /// <summary>The price of <paramref name="model"/>; an error naming the table when it is not priced.</summary>
    public ModelPrice Get(string model) =>
        _prices.TryGetValue(model, out var price)
            ? price
            : throw new OutcomeDataException($"{Path}: model '{model}' is not in the price table (priced: {string.Join(", ", Models)})");

    /// <summary>Checks that every model of <paramref name="dataset"/> is priced.</summary>
    public void RequirePriced(OutcomeDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var missing = dataset.Models.Where(m => !_prices.ContainsKey(m)).ToList();
        if (missing.Count > 0)
        {
            throw new OutcomeDataException(
                $"{dataset.Path}: model(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} appear in the data (line {dataset.Records[0].Line}) but not in the price table {Path}");
        }
    }

    /// <summary>Reads and validates a price table file.</summary>
    public static PriceTable Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new OutcomeDataException($"{path}: price table file not found");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new OutcomeDataException($"{path}: not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new OutcomeDataException($"{path}: expected a JSON object mapping model names to prices, found {document.RootElement.ValueKind}");
            }

            var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
            foreach (var model in document.RootElement.EnumerateObject())
            {
                if (model.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new OutcomeDataException($"{path}: model '{model.Name}': expected an object with input_usd_per_mtok and output_usd_per_mtok");
                }

                prices[model.Name] = new ModelPrice(
                    Price(path, model.Name, model.Value, "input_usd_per_mtok"),
                    Price(path, model.Name, model.Value, "output_usd_per_mtok"));
            }

            if (prices.Count == 0)
            {
                throw new OutcomeDataException($"{path}: the price table names no models");
            }

            return new PriceTable(path, prices);
        }
    }

    private static double Price(string path, string model, JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out var value))
        {
            throw new OutcomeDataException($"{path}: model '{model}': field '{field}' is missing");
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var price) || !double.IsFinite(price) || price < 0)
        {
            throw new OutcomeDataException($"{path}: model '{model}': field '{field}' must be a number ≥ 0, found {value.GetRawText()}");
        }

        return price;
    }
}
