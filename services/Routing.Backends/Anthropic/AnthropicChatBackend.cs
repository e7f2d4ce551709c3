using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Routing.Backends.Credentials;
using Routing.Backends.OpenAi;
using Routing.Contracts.Wire;

namespace Routing.Backends.Anthropic;

/// <summary>
/// An agent behind Anthropic's Messages API (<c>"api": "anthropic"</c> in the pool file), called natively:
/// <c>POST {endpoint}/v1/messages</c> with the key as <c>x-api-key</c> and <c>anthropic-version</c>, the chat-shaped call
/// translated there (<see cref="AnthropicRequestWriter"/>) and the message or event stream translated back
/// (<see cref="AnthropicResponseReader"/>). Sending, deadlines, retries and failure mapping are those of every HTTP agent
/// (<see cref="BackendHttpSender"/>): 429 and 529 "overloaded" are unbilled and retried, a 400 is the caller's to fix.
/// </summary>
public sealed class AnthropicChatBackend : IChatBackend
{
    public const string ApiKeyHeader = "x-api-key";

    public const string VersionHeader = "anthropic-version";

    private readonly AgentDefinition _agent;
    private readonly BackendHttpSender _sender;
    private readonly Uri _messages;

    public AnthropicChatBackend(AgentDefinition agent, HttpClient http, OpenAiBackendOptions options, ILogger<AnthropicChatBackend> logger)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _agent = agent;
        _sender = new BackendHttpSender(agent, http, options.Timeout, logger);
        _messages = MessagesUri(agent.Endpoint);
    }

    /// <summary>
    /// <c>{endpoint}/v1/messages</c>; an endpoint that already ends in the API version (<c>https://api.anthropic.com/v1</c>,
    /// as OpenAI agents' endpoints do) gets <c>/messages</c>.
    /// </summary>
    public static Uri MessagesUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var root = endpoint.AbsoluteUri.TrimEnd('/');
        return new Uri(root.EndsWith("/v1", StringComparison.Ordinal) ? root + "/messages" : root + "/v1/messages");
    }

    public async Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_sender.Timeout);
        using var response = await SendAsync(call, stream: false, deadline.Token, cancellationToken).ConfigureAwait(false);
        var body = await _sender.ReadBodyAsync(response, deadline.Token, cancellationToken).ConfigureAwait(false);
        return AnthropicResponseReader.ReadMessage(body, call.Model, _agent.Name);
    }

    public async IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_sender.Timeout);
        using var response = await SendAsync(call, stream: true, deadline.Token, cancellationToken).ConfigureAwait(false);
        using var events = await _sender.ReadEventsAsync(response, deadline.Token, cancellationToken).ConfigureAwait(false);
        var state = new AnthropicStreamState();
        while (!state.Stopped)
        {
            var data = await _sender.NextEventAsync(events, deadline.Token, cancellationToken).ConfigureAwait(false)
                ?? throw new BackendException(BackendFailure.Unavailable, $"Agent '{_agent.Name}': the stream ended before message_stop; the connection was cut mid-generation.", mayHaveBeenBilled: true);
            if (AnthropicResponseReader.ReadStreamEvent(data, state, _agent.Name) is { } chunk)
            {
                yield return chunk;
            }
        }

        yield return AnthropicResponseReader.FinishStream(state, _agent.Name);
    }

    private async Task<HttpResponseMessage> SendAsync(ChatCall call, bool stream, CancellationToken deadline, CancellationToken caller)
    {
        // Translated before the key is read or anything sent: a field Anthropic cannot take is refused unbilled.
        var body = AnthropicRequestWriter.Write(call, stream, _agent.Name);
        var key = await CredentialReference.ResolveAsync(_agent.CredentialRef, _agent.Name, deadline).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, _messages)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = OpenAiChatBackend.JsonContentType } },
        };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiKeyHeader, key);
        }

        request.Headers.TryAddWithoutValidation(VersionHeader, AnthropicMapping.ApiVersion);
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
