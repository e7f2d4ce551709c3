using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Outcomes.Data;

namespace Routing.Outcomes.Training;

/// <summary>
/// <c>model.json</c> of <c>routing train outcomes</c>: format tag, feature settings, one entry per model (prices,
/// success weights, cost line) and provenance (training file and SHA-256, holdout, cost estimation, trainer
/// settings). Plain JSON so that a user can read which models it routes between and where it came from.
/// </summary>
public static class RouterFile
{
    /// <summary>Format tag written to and required from every file.</summary>
    public const string Format = "routing.outcome-router.v1";

    public static void Save(OutcomeRouter router, string path)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var p = router.Provenance;
        var dto = new RouterFileJson(
            Format, router.HashWidth,
            [.. router.Models.Select(m => new RouterModelJson(m.Name, m.InputUsdPerMTok, m.OutputUsdPerMTok, m.CostInterceptUsd, m.CostPerCharUsd, m.Weights))],
            new RouterProvenanceJson(p.TrainFile, p.TrainSha256, p.TrainRecords, p.HoldoutFraction, p.HoldoutSeed, p.PriceFile, p.CostDescription, p.AssumedOutputTokens, p.CharsPerToken,
                p.Settings.Epochs, p.Settings.LearningRate, p.Settings.L2, p.ClippedScores));
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(dto, RouterFileJsonContext.Default.RouterFileJson));
        File.Move(temporary, path, overwrite: true);
    }

    public static OutcomeRouter Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new OutcomeDataException($"{path}: router file not found (write one with `routing train outcomes --out {path}`)");
        }

        RouterFileJson? dto;
        try
        {
            dto = JsonSerializer.Deserialize(File.ReadAllBytes(path), RouterFileJsonContext.Default.RouterFileJson);
        }
        catch (JsonException e)
        {
            throw new OutcomeDataException($"{path}: not a router file ({e.Message})", e);
        }

        if (dto is null || dto.Format != Format)
        {
            throw new OutcomeDataException($"{path}: field 'format': expected '{Format}', found '{dto?.Format}'");
        }

        if (dto.Models is not { Count: > 0 } || dto.Provenance is null)
        {
            throw new OutcomeDataException($"{path}: field 'models' or 'provenance' is missing or empty");
        }

        var p = dto.Provenance;
        var settings = new TrainerSettings { HashWidth = dto.HashWidth, Epochs = p.Epochs, LearningRate = p.LearningRate, L2 = p.L2 };
        var provenance = new RouterProvenance(p.TrainFile, p.TrainSha256, p.TrainRecords, p.HoldoutFraction, p.HoldoutSeed, p.PriceFile, p.CostDescription, p.AssumedOutputTokens, p.CharsPerToken, settings, p.ClippedScores);
        try
        {
            return new OutcomeRouter(dto.HashWidth, [.. dto.Models.Select(m => new RouterModel(m.Name, m.InputUsdPerMTok, m.OutputUsdPerMTok, m.Weights ?? [], m.CostInterceptUsd, m.CostPerCharUsd))], provenance);
        }
        catch (ArgumentException e)
        {
            throw new OutcomeDataException($"{path}: {e.Message}", e);
        }
    }
}

public sealed record RouterModelJson(string Name, double InputUsdPerMTok, double OutputUsdPerMTok, double CostInterceptUsd, double CostPerCharUsd, float[]? Weights);

public sealed record RouterProvenanceJson(
    string TrainFile, string TrainSha256, int TrainRecords, double? HoldoutFraction, ulong? HoldoutSeed, string PriceFile, string CostDescription,
    int AssumedOutputTokens, double CharsPerToken, int Epochs, double LearningRate, double L2, int ClippedScores);

public sealed record RouterFileJson(string Format, int HashWidth, IReadOnlyList<RouterModelJson>? Models, RouterProvenanceJson? Provenance);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(RouterFileJson))]
public sealed partial class RouterFileJsonContext : JsonSerializerContext;
