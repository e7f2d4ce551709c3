namespace Routing.Executor.Pipeline;

/// <summary>
/// The non-text content parts of a request, counted while it is parsed, for the reservation's input bound: the
/// text is bounded by its bytes, an image by a per-image token bound (its bytes, a URL or base64, say nothing
/// about its tokens), any other part (audio, files) by its bytes.
/// </summary>
public sealed class ContentPartTally
{
    public static readonly ContentPartTally None = new();

    /// <summary>Image parts at <c>detail</c> auto or high.</summary>
    public int Images { get; set; }

    /// <summary>Image parts at <c>detail: "low"</c>.</summary>
    public int LowDetailImages { get; set; }

    /// <summary>UTF-8 bytes of the parts that are neither text nor images.</summary>
    public long OtherBytes { get; set; }
}
