using System.Text;

namespace Routing.Backends.OpenAi;

/// <summary>Reads the <c>data</c> payloads of a <c>text/event-stream</c> body, one event at a time.</summary>
public sealed class ServerSentEventReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: false);
    private readonly StringBuilder _data = new();

    /// <summary>The next event's data (multi-line data joined with <c>\n</c>), or null at the end of the body.</summary>
    public async ValueTask<string?> ReadAsync(CancellationToken cancellationToken)
    {
        _data.Clear();
        var hasData = false;
        while (await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    return _data.ToString();
                }

                continue;
            }

            // Comments (":keep-alive") and other fields (event:, id:, retry:) carry no completion data.
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            if (hasData)
            {
                _data.Append('\n');
            }

            var value = line.AsSpan(5);
            _data.Append(value.Length > 0 && value[0] == ' ' ? value[1..] : value);
            hasData = true;
        }

        return hasData ? _data.ToString() : null;
    }

    public void Dispose() => _reader.Dispose();
}
