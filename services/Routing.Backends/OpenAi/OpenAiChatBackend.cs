using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Routing.Backends.Credentials;
using Routing.Contracts.Wire;

namespace Routing.Backends.OpenAi;

/// <summary>
/// An agent behind any OpenAI-compatible chat-completions API (vLLM, TGI, a hosted API, <c>routing sim serve</c>).
/// The <see cref="HttpClient"/> comes from the factory's <see cref="HttpClientName"/> client, whose resilience
/// handler (<see cref="BackendHttpRegistration"/>) retries only failures that cannot have been billed and keeps a
/// circuit breaker per backend authority; this class adds the whole-call deadline and maps every failure to a
/// <see cref="BackendException"/> that says honestly whether the backend may have charged for it.
/// </summary>
public sealed class OpenAiChatBackend : IChatBackend
{
    /// <summary>The named <see cref="HttpClient"/> every HTTP agent uses.</summary>
    public const string HttpClientName = "routing-backends";

    /// <summary>
    /// The caller's own cancellation, carried on the request so the circuit breaker can tell a backend that let the
    /// deadline pass (a failure) from a caller that gave up (not the backend's fault).
    /// </summary>
    public static readonly HttpRequestOptionsKey<CancellationToken> CallerCancellation = new("routing.caller-cancellation");

    internal static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly AgentDefinition _agent;
    private readonly BackendHttpSender _sender;
    private readonly string _maxTokensField;
    private readonly Uri _completions;

    public OpenAiChatBackend(AgentDefinition agent, HttpClient http, OpenAiBackendOptions options, ILogger<OpenAiChatBackend> logger)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _agent = agent;
        _sender = new BackendHttpSender(agent, http, options.Timeout, logger);
        _maxTokensField = options.MaxTokensField;
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
        deadline.CancelAfter(_sender.Timeout);
        using var response = await SendAsync(call, stream: false, deadline.Token, cancellationToken).ConfigureAwait(false);
        var body = await _sender.ReadBodyAsync(response, deadline.Token, cancellationToken).ConfigureAwait(false);
        return ChatResponseReader.ReadCompletion(body, call.Model, _agent.Name);
    }

    public async IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_sender.Timeout);
        using var response = await SendAsync(call, stream: true, deadline.Token, cancellationToken).ConfigureAwait(false);
        using var events = await _sender.ReadEventsAsync(response, deadline.Token, cancellationToken).ConfigureAwait(false);
        var state = new StreamState();
        while (true)
        {
            var data = await _sender.NextEventAsync(events, deadline.Token, cancellationToken).ConfigureAwait(false)
                ?? throw new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}': the stream ended before [DONE]; the connection was cut mid-generation.", mayHaveBeenBilled: true);
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
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (call.TaskId is { } taskId)
        {
            request.Headers.TryAddWithoutValidation(RoutingHeaders.TaskId, taskId);
        }

        if (stream)
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        return await _sender.SendAsync(request, deadline, caller).ConfigureAwait(false);
    }
}
