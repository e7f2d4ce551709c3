using System.Text.Json;
using Routing.Features;

namespace Routing.Training.Episodes;

/// <summary>
/// Reads an exported episode log (docs/episodes.md) into episodes keyed by tenant and task id. Every line must be
/// a step or outcome record with the fields training needs; the first bad line stops the read with a message
/// naming the file, line and field, since a silently skipped line would bias the taxonomy.
/// </summary>
public static class EpisodeLogReader
{
    public static IReadOnlyList<LoggedEpisode> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new EpisodeLogException(path, null, null, "no such file (write one with `routing export episodes --out FILE`)");
        }

        var episodes = new Dictionary<(string Tenant, string TaskId), LoggedEpisode>();
        var order = new List<LoggedEpisode>();
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new EpisodeLogException(path, number, null, $"not a JSON object: {e.Message}");
            }

            using (document)
            {
                var line = new Line(path, number, document.RootElement);
                var tenant = line.String("tenant");
                var taskId = line.String("task_id");
                if (!episodes.TryGetValue((tenant, taskId), out var episode))
                {
                    episode = new LoggedEpisode(tenant, taskId);
                    episodes.Add((tenant, taskId), episode);
                    order.Add(episode);
                }

                switch (line.String("kind"))
                {
                    case "step":
                        episode.Steps.Add(ReadStep(line));
                        break;
                    case "outcome":
                        if (episode.Outcome is { } earlier)
                        {
                            throw new EpisodeLogException(path, number, "task_id", $"a second outcome for task '{taskId}' of tenant '{tenant}' (the first is on line {earlier.Line})");
                        }

                        episode.Outcome = new LoggedOutcome(number, line.Bool("success"), line.OptionalLong("spent_micros"));
                        break;
                    case var other:
                        throw new EpisodeLogException(path, number, "kind", $"'{other}' is neither 'step' nor 'outcome'");
                }
            }
        }

        foreach (var episode in order)
        {
            // Concurrent steps of one task may be appended out of order (docs/episodes.md); the step number orders them.
            episode.Steps.Sort((a, b) => a.Step.CompareTo(b.Step));
            for (var i = 1; i < episode.Steps.Count; i++)
            {
                if (episode.Steps[i].Step == episode.Steps[i - 1].Step)
                {
                    throw new EpisodeLogException(path, episode.Steps[i].Line, "step", $"step {episode.Steps[i].Step} of task '{episode.TaskId}' is logged twice (also on line {episode.Steps[i - 1].Line})");
                }
            }
        }

        return order;
    }

    private static LoggedStep ReadStep(Line line)
    {
        var version = line.Int("feature_schema_version");
        if (version != FeatureSchemaV1.Version)
        {
            throw line.Problem("feature_schema_version", $"{version}, but this trainer reads feature schema v{FeatureSchemaV1.Version} only (docs/features.md); export the log from an executor on schema v{FeatureSchemaV1.Version} or retrain with a matching trainer");
        }

        var features = line.Floats("features", FeatureSchemaV1.Width);
        var agent = line.String("agent");
        var tier = line.Int("tier");
        if (tier < 0)
        {
            throw line.Problem("tier", $"{tier} is negative");
        }

        var largest = line.OptionalLong("largest_tier") is { } l ? (int)l : (int?)null;
        if (largest is { } top && top < tier)
        {
            throw line.Problem("largest_tier", $"{top} is below the step's tier {tier}");
        }

        var step = line.Int("step");
        if (step < 0)
        {
            throw line.Problem("step", $"{step} is negative");
        }

        return new LoggedStep(line.Number, step, features, agent, tier, largest, line.String("reason"), line.OptionalLong("cost_micros") ?? 0);
    }

    /// <summary>Typed field access with errors that name the field.</summary>
    private readonly struct Line(string path, int number, JsonElement root)
    {
        public int Number => number;

        public EpisodeLogException Problem(string field, string problem) => new(path, number, field, problem);

        public string String(string field) =>
            Get(field) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } s ? s : throw Problem(field, "missing or not a non-empty string");

        public bool Bool(string field) =>
            Get(field) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : throw Problem(field, "missing or not true/false");

        public int Int(string field) =>
            Get(field) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out var n) ? n : throw Problem(field, "missing or not an integer");

        public long? OptionalLong(string field) => Get(field) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var n) => n,
            _ => throw Problem(field, "not an integer"),
        };

        public float[] Floats(string field, int width)
        {
            if (Get(field) is not { ValueKind: JsonValueKind.Array } array)
            {
                throw Problem(field, "missing or not an array of numbers");
            }

            if (array.GetArrayLength() != width)
            {
                throw Problem(field, $"{array.GetArrayLength()} values, feature schema v{FeatureSchemaV1.Version} has {width}");
            }

            var values = new float[width];
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !float.IsFinite(values[i] = item.GetSingle()))
                {
                    throw Problem(field, $"value {i} is not a finite number");
                }

                i++;
            }

            return values;
        }

        private JsonElement? Get(string field)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new EpisodeLogException(path, number, null, "not a JSON object");
            }

            return root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
        }
    }
}
