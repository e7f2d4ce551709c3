using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Routing.Backends.Credentials;

namespace Routing.Backends.OpenAi;

/// <summary>
/// An agent behind any OpenAI-compatible chat-completions API (vLLM, TGI, a hosted API, <c>routing sim serve</c>).
/// The <see cref="HttpClient"/> comes from the factory's <see cref="HttpClientName"/> client, whose resilience
/// handler (<see cref="BackendHttpRegistration"/>) retries only failures that cannot have been billed and keeps a
/// circuit breaker per backend authority; this class adds the whole-call deadline and maps every failure to a
/// <see cref="BackendException"/> that says honestly whether the backend may have charged for it.
/// </summary>
public sealed partial class OpenAiChatBackend : IChatBackend
{
    /// <summary>The named <see cref="HttpClient"/> every HTTP agent uses.</summary>
    public const string HttpClientName = "routing-backends";

    /// <summary>Header that names the routing task of a call.</summary>
    public const string TaskIdHeader = "X-Routing-Task-Id";

    /// <summary>
    /// The caller's own cancellation, carried on the request so the circuit breaker can tell a backend that let the
    /// deadline pass (a failure) from a caller that gave up (not the backend's fault).
    /// </summary>
    public static readonly HttpRequestOptionsKey<CancellationToken> CallerCancellation = new("routing.caller-cancellation");

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly AgentDefinition _agent;
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private readonly string _maxTokensField;
    private readonly ILogger _logger;
    private readonly Uri _completions;

    public OpenAiChatBackend(AgentDefinition agent, HttpClient http, OpenAiBackendOptions options, ILogger<OpenAiChatBackend> logger)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _agent = agent;
        _http = http;
        _timeout = options.Timeout;
        _maxTokensField = options.MaxTokensField;
        _logger = logger;
        _completions = CompletionsUri(agent.Endpoint);
    }

    /// <summary><c>{endpoint}/chat/completions</c> for a base URL that ends in the API version (…/v1).</summary>
    public static Uri CompletionsUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/chat/completions");
    }

    public async Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        using var response = await SendAsync(call, stream: false, deadline.Token, cancellationToken).ConfigureAwait(false);
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e, cancellationToken))
        {
            throw ReadFailure(e);
        }

        return ChatResponseReader.ReadCompletion(body, call.Model, _agent.Name);
    }

    public async IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        using var response = await SendAsync(call, stream: true, deadline.Token, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType is { } mediaType && !mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            // A server that ignored stream: true (or a proxy's page); it did answer, so it may have generated.
            throw new BackendException(BackendFailure.BadResponse, $"Agent '{_agent.Name}' answered '{mediaType}' to a streaming request instead of 'text/event-stream'.", mayHaveBeenBilled: true);
        }

        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsReadFailure(e, cancellationToken))
        {
            throw ReadFailure(e);
        }

        using var events = new ServerSentEventReader(body);
        var state = new StreamState();
        while (true)
        {
            string? data;
            try
            {
                data = await events.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsReadFailure(e, cancellationToken))
            {
                throw ReadFailure(e);
            }

            if (data is null)
            {
                throw new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}': the stream ended before [DONE]; the connection was cut mid-generation.", mayHaveBeenBilled: true);
            }

            if (data == "[DONE]")
            {
                break;
            }

            if (ChatResponseReader.ReadStreamEvent(data, state, _agent.Name) is { } chunk)
            {
                yield return chunk;
            }
        }

        yield return ChatResponseReader.FinishStream(state, _agent.Name);
    }

    private async Task<HttpResponseMessage> SendAsync(ChatCall call, bool stream, CancellationToken deadline, CancellationToken caller)
    {
        var key = await CredentialReference.ResolveAsync(_agent.CredentialRef, _agent.Name, deadline).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, _completions)
        {
            Content = new ByteArrayContent(ChatRequestWriter.Write(call, stream, _maxTokensField)) { Headers = { ContentType = JsonContentType } },
        };
        request.Options.Set(CallerCancellation, caller);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (call.TaskId is { } taskId)
        {
            request.Headers.TryAddWithoutValidation(TaskIdHeader, taskId);
        }

        if (stream)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (caller.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e) when (e.InnerException is TimeoutException && !deadline.IsCancellationRequested)
        {
            // SocketsHttpHandler's connect timeout: no connection, so nothing was sent (and the retries are spent).
            LogFailure(_logger, _agent.Name, "connect_timeout", e.Message);
            throw new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}' at {_agent.Endpoint.Authority}: no connection within the connect timeout.", mayHaveBeenBilled: false, e);
        }
        catch (OperationCanceledException e)
        {
            LogFailure(_logger, _agent.Name, "timeout", e.Message);
            throw new BackendException(BackendFailure.Timeout, $"Agent '{_agent.Name}' did not answer within {_timeout.TotalSeconds:0.###} s.", mayHaveBeenBilled: true, e);
        }
        catch (BrokenCircuitException e)
        {
            LogFailure(_logger, _agent.Name, "circuit_open", e.Message);
            throw new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}' at {_agent.Endpoint.Authority}: circuit open after repeated failures; not called.", mayHaveBeenBilled: false, e);
        }
        catch (HttpRequestException e)
        {
            // A failed connect sent nothing; anything later (a reset after the request went out) may have started work.
            var beforeSending = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;
            LogFailure(_logger, _agent.Name, beforeSending ? "connect" : "transport", e.Message);
            throw new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}' at {_agent.Endpoint.Authority} is unreachable: {e.Message}", mayHaveBeenBilled: !beforeSending, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var message = await ErrorMessageAsync(response, deadline).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            LogFailure(_logger, _agent.Name, "http_" + status, message);
            throw status switch
            {
                // Overload signals are answered before any generation: nothing billed.
                (int)HttpStatusCode.TooManyRequests or (int)HttpStatusCode.ServiceUnavailable =>
                    new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}' is overloaded (HTTP {status}): {message}", mayHaveBeenBilled: false),
                (int)HttpStatusCode.RequestTimeout =>
                    new BackendException(BackendFailure.Timeout, $"Agent '{_agent.Name}' timed out (HTTP 408): {message}", mayHaveBeenBilled: true),
                // 400, 413 and 422 judge what the client sent, forwarded as sent; 401, 403 and 404 judge this agent's configuration.
                < 500 => new BackendException(BackendFailure.Rejected, $"Agent '{_agent.Name}' rejected the request (HTTP {status}): {message}", mayHaveBeenBilled: false)
                {
                    CallerFault = status is 400 or 413 or 422,
                },

                // A 500 can come after generation started (an engine crash mid-decode); say so.
                _ => new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}' failed (HTTP {status}): {message}", mayHaveBeenBilled: true),
            };
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
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
            LogFailure(_logger, _agent.Name, "timeout", e.Message);
            return new BackendException(BackendFailure.Timeout, $"Agent '{_agent.Name}' did not finish its answer within {_timeout.TotalSeconds:0.###} s.", mayHaveBeenBilled: true, e);
        }

        LogFailure(_logger, _agent.Name, "cut", e.Message);
        return new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}': the connection was cut mid-answer: {e.Message}", mayHaveBeenBilled: true, e);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend call to agent {Agent} failed ({Kind}): {Detail}")]
    private static partial void LogFailure(ILogger logger, string agent, string kind, string detail);
}
