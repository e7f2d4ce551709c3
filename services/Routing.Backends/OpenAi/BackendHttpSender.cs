using System.Net;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace Routing.Backends.OpenAi;

/// <summary>
/// What every HTTP agent shares, whichever API it speaks (<see cref="OpenAiChatBackend"/>, <see cref="Anthropic.AnthropicChatBackend"/>):
/// sending through the resilient client, reading the answer within the call's deadline, and mapping every failure to a
/// <see cref="BackendException"/> that says honestly whether the backend may have charged for it.
/// </summary>
internal sealed partial class BackendHttpSender(AgentDefinition agent, HttpClient http, TimeSpan timeout, ILogger logger)
{
    /// <summary>Anthropic's "overloaded" status: refused before any generation, like 429 and 503.</summary>
    public const int Overloaded = 529;

    public TimeSpan Timeout => timeout;

    /// <summary>Sends <paramref name="request"/> and returns a successful response at its headers; every failure throws.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken deadline, CancellationToken caller)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(OpenAiChatBackend.CallerCancellation, caller);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (caller.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e) when (e.InnerException is TimeoutException && !deadline.IsCancellationRequested)
        {
            // SocketsHttpHandler's connect timeout: no connection, so nothing was sent (and the retries are spent).
            LogFailure(logger, agent.Name, "connect_timeout", e.Message);
            throw new BackendException(BackendFailure.Unavailable, $"Agent '{agent.Name}' at {agent.Endpoint.Authority}: no connection within the connect timeout.", mayHaveBeenBilled: false, e);
        }
        catch (OperationCanceledException e)
        {
            LogFailure(logger, agent.Name, "timeout", e.Message);
            throw new BackendException(BackendFailure.Timeout, $"Agent '{agent.Name}' did not answer within {timeout.TotalSeconds:0.###} s.", mayHaveBeenBilled: true, e);
        }
        catch (BrokenCircuitException e)
        {
            LogFailure(logger, agent.Name, "circuit_open", e.Message);
            throw new BackendException(BackendFailure.Unavailable, $"Agent '{agent.Name}' at {agent.Endpoint.Authority}: circuit open after repeated failures; not called.", mayHaveBeenBilled: false, e);
        }
        catch (HttpRequestException e)
        {
            // A failed connect sent nothing; anything later (a reset after the request went out) may have started work.
            var beforeSending = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;
            LogFailure(logger, agent.Name, beforeSending ? "connect" : "transport", e.Message);
            throw new BackendException(BackendFailure.Unavailable, $"Agent '{agent.Name}' at {agent.Endpoint.Authority} is unreachable: {e.Message}", mayHaveBeenBilled: !beforeSending, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var message = await ErrorMessageAsync(response, deadline).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            LogFailure(logger, agent.Name, "http_" + status, message);
            throw status switch
            {
                // Overload signals are answered before any generation: nothing billed.
                (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.ServiceUnavailable or Overloaded =>
                    new BackendException(BackendFailure.Unavailable, $"Agent '{agent.Name}' is overloaded (HTTP {status}): {message}", mayHaveBeenBilled: false),
                (int)HttpStatusCode.RequestTimeout =>
                    new BackendException(BackendFailure.Timeout, $"Agent '{agent.Name}' timed out (HTTP 408): {message}", mayHaveBeenBilled: true),
                // 400, 413 and 422 judge what the client sent, forwarded as sent; 401, 403 and 404 judge this agent's configuration.
                < 500 => new BackendException(BackendFailure.Rejected, $"Agent '{agent.Name}' rejected the request (HTTP {status}): {message}", mayHaveBeenBilled: false)
                {
                    CallerFault = status is 400 or 413 or 422,
                },

                // A 500 can come after generation started (an engine crash mid-decode); say so.
                _ => new BackendException(BackendFailure.Unavailable, $"Agent '{agent.Name}' failed (HTTP {status}): {message}", mayHaveBeenBilled: true),
            };
        }
    }

    /// <summary>The whole body of a non-streamed answer.</summary>
    public async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken deadline, CancellationToken caller)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            return await response.Content.ReadAsByteArrayAsync(deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e, caller))
        {
            throw ReadFailure(e);
        }
    }

    /// <summary>The event stream of a streamed answer; a body that is not <c>text/event-stream</c> fails the call.</summary>
    public async Task<ServerSentEventReader> ReadEventsAsync(HttpResponseMessage response, CancellationToken deadline, CancellationToken caller)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content.Headers.ContentType?.MediaType is { } mediaType && !mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            // A server that ignored stream: true (or a proxy's page); it did answer, so it may have generated.
            throw new BackendException(BackendFailure.BadResponse, $"Agent '{agent.Name}' answered '{mediaType}' to a streaming request instead of 'text/event-stream'.", mayHaveBeenBilled: true);
        }

        try
        {
            return new ServerSentEventReader(await response.Content.ReadAsStreamAsync(deadline).ConfigureAwait(false));
        }
        catch (Exception e) when (IsReadFailure(e, caller))
        {
            throw ReadFailure(e);
        }
    }

    /// <summary>The next event's data, or null when the body ended.</summary>
    public async Task<string?> NextEventAsync(ServerSentEventReader events, CancellationToken deadline, CancellationToken caller)
    {
        ArgumentNullException.ThrowIfNull(events);
        try
        {
            return await events.ReadAsync(deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e, caller))
        {
            throw ReadFailure(e);
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // OpenAI's {"error":{"message"}} and Anthropic's {"type":"error","error":{"type","message"}} both carry error.message.
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return ChatResponseReader.ErrorMessage(body);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return $"(no readable error body: {e.Message})";
        }
    }

    private static bool IsReadFailure(Exception e, CancellationToken caller) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !caller.IsCancellationRequested);

    private BackendException ReadFailure(Exception e)
    {
        if (e is OperationCanceledException)
        {
            LogFailure(logger, agent.Name, "timeout", e.Message);
            return new BackendException(BackendFailure.Timeout, $"Agent '{agent.Name}' did not finish its answer within {timeout.TotalSeconds:0.###} s.", mayHaveBeenBilled: true, e);
        }

        LogFailure(logger, agent.Name, "cut", e.Message);
        return new BackendException(BackendFailure.Unavailable, $"Agent '{agent.Name}': the connection was cut mid-answer: {e.Message}", mayHaveBeenBilled: true, e);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend call to agent {Agent} failed ({Kind}): {Detail}")]
    private static partial void LogFailure(ILogger logger, string agent, string kind, string detail);
}
