using System.Globalization;

namespace Routing.Memory.Index;

/// <summary>
/// A tenant's vector space, fixed by its first auction and stored in Redis as text: <c>builtin:hng1:384</c>
/// (the built-in encoder, its version and dimension) or <c>caller:768</c> (caller-supplied embeddings).
/// </summary>
public sealed record VectorSpaceId(bool Builtin, int Dimension, string Name)
{
    public static VectorSpaceId ForBuiltin(string encoderSpace, int dimension) => new(true, dimension, encoderSpace);

    public static VectorSpaceId ForCaller(int dimension) =>
        new(false, dimension, string.Create(CultureInfo.InvariantCulture, $"caller:{dimension}"));

    public static VectorSpaceId Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dimension = int.Parse(name.AsSpan(name.LastIndexOf(':') + 1), CultureInfo.InvariantCulture);
        return new VectorSpaceId(name.StartsWith("builtin:", StringComparison.Ordinal), dimension, name);
    }

    public string Describe() => Builtin
        ? string.Create(CultureInfo.InvariantCulture, $"the built-in text encoder ({Dimension} dimensions)")
        : string.Create(CultureInfo.InvariantCulture, $"caller-supplied embeddings of dimension {Dimension}");
}
