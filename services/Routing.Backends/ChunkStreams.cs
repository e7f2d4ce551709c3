using System.Runtime.CompilerServices;

namespace Routing.Backends;

/// <summary>Wrappers of a backend's chunk stream for decorators that must see its failures (ledgers, spans).</summary>
public static class ChunkStreams
{
    /// <summary>
    /// The same chunks; a failure of the stream itself (not of the code that reads it, which C# forbids catching
    /// around a <c>yield</c>) is handed to <paramref name="onFailure"/> before it propagates.
    /// </summary>
    public static async IAsyncEnumerable<ChatChunk> OnFailure(
        this IAsyncEnumerable<ChatChunk> source, Action<Exception> onFailure, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(onFailure);
        await using var chunks = source.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatChunk chunk;
            try
            {
                if (!await chunks.MoveNextAsync())
                {
                    break;
                }
                chunk = chunks.Current;
            }
            catch (Exception e)
            {
                onFailure(e);
                throw;
            }
            yield return chunk;
        }
    }
}
