using Routing.Outcomes.Data;
using Routing.Outcomes.Routers;

namespace Routing.Cli.Outcomes;

/// <summary>The sentence encoders <c>eval outcomes --encoder NAME</c> knows.</summary>
public static class SentenceEncoders
{
    /// <summary>Opens the encoder called <paramref name="name"/>; an unknown name or a missing model file is an <see cref="OutcomeDataException"/> saying what to do.</summary>
    public static DisposableEncoder Open(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "minilm" => MiniLmEncoder.Open(),
            _ => throw new OutcomeDataException($"--encoder: unknown encoder '{name}' (known: minilm)"),
        };
    }
}

/// <summary>An encoder that holds native resources (an ONNX Runtime session).</summary>
public abstract class DisposableEncoder : ISentenceEncoder, IDisposable
{
    public abstract string Name { get; }

    public abstract int Dimensions { get; }

    public abstract float[][] Encode(IReadOnlyList<string> texts, Action<int>? progress = null, CancellationToken cancellationToken = default);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
