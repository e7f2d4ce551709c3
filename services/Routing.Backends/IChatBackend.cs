namespace Routing.Backends;

/// <summary>
/// A model backend. Implementations apply their own timeout and bounded retries, and never retry a call that
/// may have been billed in a way that would exceed one call's worst case (the executor reserved exactly one).
/// Failures surface as <see cref="BackendException"/>.
/// </summary>
public interface IChatBackend
{
    Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken);

    /// <summary>Streams the completion; the final chunk carries finish reason and usage.</summary>
    IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, CancellationToken cancellationToken);
}
