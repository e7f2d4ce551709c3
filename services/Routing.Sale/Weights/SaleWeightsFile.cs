using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Sale.Scoring;

namespace Routing.Sale.Weights;

/// <summary>
/// The versioned weights file (JSON) that <c>routing train sale-weights</c> writes and the auction reads:
/// the weights plus how they were fitted, so a deployed file can be traced to its training run.
/// </summary>
public sealed record SaleWeightsDocument
{
    public int SchemaVersion { get; init; } = 1;

    public required string Version { get; init; }

    public double Cost { get; init; }

    public double Entropy { get; init; }

    public Dictionary<string, double> Jurors { get; init; } = [];

    public double DefaultJuror { get; init; }

    /// <summary>Free-form provenance: solver, objective, training tasks, per-agent wins.</summary>
    public SaleTrainingSummary? Training { get; init; }

    public SaleWeights ToWeights() => new()
    {
        Version = Version,
        Cost = Cost,
        Entropy = Entropy,
        Jurors = new Dictionary<string, double>(Jurors, StringComparer.Ordinal),
        DefaultJuror = DefaultJuror,
    };
}

/// <summary>How a weights file was fitted.</summary>
public sealed record SaleTrainingSummary
{
    public string Solver { get; init; } = "";

    public string Status { get; init; } = "";

    public double Objective { get; init; }

    /// <summary>The objective of the solver's warm start (docs/sale.md); Objective below it means the solver improved on it.</summary>
    public double WarmStartObjective { get; init; }

    public double WorstWinnerScore { get; init; }

    public int Tasks { get; init; }

    public int TasksWithSolver { get; init; }

    /// <summary>Tasks whose fitted auction picks an agent that solved them.</summary>
    public int SolverPicked { get; init; }

    /// <summary>Tasks whose fitted auction picks the cheapest agent that solved them.</summary>
    public int CheapestSolverPicked { get; init; }

    public Dictionary<string, int> Wins { get; init; } = [];

    public string CreatedAt { get; init; } = "";
}

public static class SaleWeightsFile
{
    public static SaleWeightsDocument Parse(string json)
    {
        SaleWeightsDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, SaleWeightsJsonContext.Default.SaleWeightsDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("not a SALE weights file: " + e.Message, e);
        }

        if (document is null)
        {
            throw new InvalidDataException("The weights file is empty.");
        }

        Validate(document);
        return document;
    }

    public static SaleWeightsDocument Read(string path) => Parse(File.ReadAllText(path));

    /// <summary>Writes atomically (temp file, then rename) so a reloading reader never sees half a file.</summary>
    public static void Write(string path, SaleWeightsDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        Validate(document);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(document, SaleWeightsJsonContext.Default.SaleWeightsDocument));
        File.Move(temp, full, overwrite: true);
    }

    private static void Validate(SaleWeightsDocument d)
    {
        if (string.IsNullOrWhiteSpace(d.Version))
        {
            throw new InvalidDataException("version: is required");
        }

        if (!double.IsFinite(d.Cost) || d.Cost < 0)
        {
            throw new InvalidDataException($"cost: must be a finite number ≥ 0 (got {d.Cost})");
        }

        if (!double.IsFinite(d.Entropy))
        {
            throw new InvalidDataException("entropy: must be finite");
        }

        if (!double.IsFinite(d.DefaultJuror) || d.DefaultJuror < 0)
        {
            throw new InvalidDataException("default_juror: must be a finite number ≥ 0");
        }

        foreach (var (juror, w) in d.Jurors)
        {
            if (!double.IsFinite(w) || w < 0)
            {
                throw new InvalidDataException($"jurors.{juror}: must be a finite number ≥ 0 (got {w})");
            }
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SaleWeightsDocument))]
internal sealed partial class SaleWeightsJsonContext : JsonSerializerContext;
