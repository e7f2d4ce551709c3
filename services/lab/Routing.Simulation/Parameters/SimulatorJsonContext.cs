using System.Text.Json.Serialization;

namespace Routing.Simulation.Parameters;

/// <summary>Source-generated JSON for the parameters file (snake_case, like the targets file).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    IgnoreReadOnlyProperties = false)]
[JsonSerializable(typeof(SimulatorParameters))]
internal sealed partial class SimulatorJsonContext : JsonSerializerContext;
