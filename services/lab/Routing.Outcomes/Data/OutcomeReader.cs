using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Routing.Outcomes.Data;

/// <summary>
/// Reads an outcome JSONL file (one query per line: id, text, source, outcomes per model with score and, where
/// recorded, cost_usd / input_tokens / output_tokens) and validates it strictly: every problem is reported with
/// the file, the line and the field, and nothing is silently skipped. Blank lines are allowed. A score outside
/// 0..1 is an error unless <c>clipScores</c> is set (some sources' metrics go slightly negative); then it is
/// clipped and counted in <see cref="OutcomeDataset.ClippedScores"/> so reports can say so.
/// </summary>
public static class OutcomeReader
{
    public static OutcomeDataset Read(string path, bool clipScores = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new OutcomeDataException($"{path}: outcome file not found");
        }

        var bytes = File.ReadAllBytes(path);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var records = new List<OutcomeRecord>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        List<string>? models = null;
        var clipped = 0;
        var lineNumber = 0;
        using var reader = new StringReader(Encoding.UTF8.GetString(bytes));
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var record = ParseLine(path, lineNumber, line, clipScores, ref models, ref clipped);
            if (!ids.TryAdd(record.Id, lineNumber))
            {
                throw OutcomeDataException.At(path, lineNumber, "id", $"'{record.Id}' already used on line {ids[record.Id]}");
            }

            records.Add(record);
        }

        if (records.Count == 0)
        {
            throw new OutcomeDataException($"{path}: no records (the file is empty)");
        }

        return new OutcomeDataset(path, sha256, models!, records) { ClippedScores = clipped };
    }

    private static OutcomeRecord ParseLine(string path, int line, string text, bool clipScores, ref List<string>? models, ref int clipped)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw OutcomeDataException.At(path, line, null, $"not valid JSON ({e.Message}); expected one JSON object per line");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw OutcomeDataException.At(path, line, null, $"expected a JSON object, found {root.ValueKind}");
            }

            var id = RequiredString(path, line, root, "id");
            var query = RequiredString(path, line, root, "text");
            var source = root.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "";
            if (!root.TryGetProperty("outcomes", out var outcomes) || outcomes.ValueKind != JsonValueKind.Object)
            {
                throw OutcomeDataException.At(path, line, "outcomes", "missing or not an object mapping model names to outcomes");
            }

            var names = outcomes.EnumerateObject().Select(o => o.Name).Order(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                throw OutcomeDataException.At(path, line, "outcomes", "names no models");
            }

            if (models is null)
            {
                models = names;
            }
            else if (!models.SequenceEqual(names))
            {
                var missing = models.Except(names).ToList();
                var extra = names.Except(models).ToList();
                var parts = new List<string>();
                if (missing.Count > 0)
                {
                    parts.Add($"missing {string.Join(", ", missing)}");
                }

                if (extra.Count > 0)
                {
                    parts.Add($"not on earlier lines: {string.Join(", ", extra)}");
                }

                throw OutcomeDataException.At(path, line, "outcomes", $"every line must have the same models as the first record ({string.Join("; ", parts)})");
            }

            var parsed = new ModelOutcome[models.Count];
            for (var m = 0; m < models.Count; m++)
            {
                parsed[m] = ParseOutcome(path, line, models[m], outcomes.GetProperty(models[m]), clipScores, ref clipped);
            }

            return new OutcomeRecord(id, query, source, line, parsed);
        }
    }

    private static ModelOutcome ParseOutcome(string path, int line, string model, JsonElement outcome, bool clipScores, ref int clipped)
    {
        var prefix = $"outcomes.{model}";
        if (outcome.ValueKind != JsonValueKind.Object)
        {
            throw OutcomeDataException.At(path, line, prefix, "expected an object with at least 'score'");
        }

        if (!outcome.TryGetProperty("score", out var scoreValue))
        {
            throw OutcomeDataException.At(path, line, prefix + ".score", "missing (every outcome needs a score in 0..1)");
        }

        var score = Number(path, line, prefix + ".score", scoreValue);
        if (score is < 0 or > 1)
        {
            if (!clipScores)
            {
                throw OutcomeDataException.At(path, line, prefix + ".score", $"must be in 0..1, found {scoreValue.GetRawText()} (`--clip-scores` clips such values into 0..1 and counts them)");
            }

            score = Math.Clamp(score, 0, 1);
            clipped++;
        }

        double? cost = null;
        if (outcome.TryGetProperty("cost_usd", out var costValue) && costValue.ValueKind != JsonValueKind.Null)
        {
            cost = Number(path, line, prefix + ".cost_usd", costValue);
            if (cost < 0)
            {
                throw OutcomeDataException.At(path, line, prefix + ".cost_usd", $"must be ≥ 0, found {costValue.GetRawText()}");
            }
        }

        return new ModelOutcome(score, cost, Tokens(path, line, prefix + ".input_tokens", outcome, "input_tokens"), Tokens(path, line, prefix + ".output_tokens", outcome, "output_tokens"));
    }

    private static int? Tokens(string path, int line, string field, JsonElement outcome, string name)
    {
        if (!outcome.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var tokens) || tokens < 0)
        {
            throw OutcomeDataException.At(path, line, field, $"must be a whole number ≥ 0, found {value.GetRawText()}");
        }

        return tokens;
    }

    private static double Number(string path, int line, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw OutcomeDataException.At(path, line, field, $"must be a number, found {value.GetRawText()}");
        }

        return number;
    }

    private static string RequiredString(string path, int line, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw OutcomeDataException.At(path, line, field, "missing or not a string");
        }

        return value.GetString()!;
    }
}
