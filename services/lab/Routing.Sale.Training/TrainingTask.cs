using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Sale.Scoring;

namespace Routing.Sale.Training;

/// <summary>
/// One training task for the weight fit: every agent's bid features (plan tokens, entropy, jury votes) from a
/// recorded auction, and which agents solved the task when each ran it (the outcomes the fit rewards).
/// </summary>
public sealed record TrainingTask
{
    public required string TaskId { get; init; }

    public string Domain { get; init; } = "";

    /// <summary>One entry per agent that bid, with its features.</summary>
    public required IReadOnlyList<BidFeatures> Bids { get; init; }

    /// <summary>Agents that solved the task when they ran it; empty when none did.</summary>
    public IReadOnlyList<string> Solvers { get; init; } = [];
}

/// <summary>Training tasks as JSON lines (one <see cref="TrainingTask"/> per line).</summary>
public static class TrainingTasksFile
{
    public static List<TrainingTask> Read(string path)
    {
        var tasks = new List<TrainingTask>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                tasks.Add(JsonSerializer.Deserialize(line, TrainingJsonContext.Default.TrainingTask)
                    ?? throw new InvalidDataException("empty line"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not a training task ({e.Message})", e);
            }
        }

        return tasks;
    }

    public static void Write(string path, IEnumerable<TrainingTask> tasks)
    {
        using var writer = new StreamWriter(path);
        foreach (var task in tasks)
        {
            writer.WriteLine(JsonSerializer.Serialize(task, TrainingJsonContext.Default.TrainingTask));
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TrainingTask))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
