using Routing.Outcomes.Data;

namespace Routing.Cli.Outcomes;

/// <summary>all-MiniLM-L6-v2 sentence embeddings run by ONNX Runtime (placeholder until the session code lands).</summary>
public sealed class MiniLmEncoder : DisposableEncoder
{
    public override string Name => "all-MiniLM-L6-v2";

    public override int Dimensions => 384;

    public static MiniLmEncoder Open() => throw new OutcomeDataException("--encoder minilm: not available in this build");

    public override float[][] Encode(IReadOnlyList<string> texts, Action<int>? progress = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
    }
}
