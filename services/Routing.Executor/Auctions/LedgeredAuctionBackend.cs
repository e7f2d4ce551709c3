using System.Runtime.CompilerServices;
using Routing.Backends;
using Routing.Executor.Metrics;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Auctions;

/// <summary>
/// One agent's backend as an auction sees it: every call first claims its worst case (every prompt token and
/// max_tokens out, at the agent's prices, bounded as for a step) from the auction's <see cref="AuctionEnvelope"/>
/// and is not sent when that does not fit; after the call the claim becomes the reported usage's cost, the worst
/// case when the failed call may have been billed, or nothing when it cannot have been.
/// </summary>
public sealed class LedgeredAuctionBackend(AgentDefinition agent, IChatBackend inner, AuctionEnvelope envelope) : IChatBackend
{
    public async Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var claim = Claim(call);
        try
        {
            var result = await inner.CompleteAsync(call, cancellationToken);
            Settle(claim, StepCosts.Actual(agent, result.Usage), "ok");
            return result;
        }
        catch (Exception e)
        {
            Fail(claim, e);
            throw;
        }
    }

    public async IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var claim = Claim(call);
        var settled = false;
        ChatUsage? usage = null;
        try
        {
            var failing = inner.StreamAsync(call, cancellationToken).OnFailure(e =>
            {
                settled = true;
                Fail(claim, e);
            }, cancellationToken);
            await foreach (var chunk in failing)
            {
                usage = chunk.Usage ?? usage;
                yield return chunk;
            }
            settled = true;
            // A stream that ended without usage may still have been billed: charge its worst case.
            Settle(claim, usage is { } u ? StepCosts.Actual(agent, u) : claim, usage is null ? "bad_response" : "ok");
        }
        finally
        {
            if (!settled)
            {
                // The caller stopped reading mid-stream: the backend worked and may bill the call.
                Settle(claim, claim, "timeout");
            }
        }
    }

    private long Claim(ChatCall call)
    {
        var worst = StepCosts.WorstCase(agent, (int)Math.Min(int.MaxValue, StepCosts.TextTokensFor(agent, call.Messages, call.Tools)), call.MaxTokens);
        if (!envelope.TryClaim(worst))
        {
            ExecutorMetrics.BackendRequests.WithLabels(agent.Name, "rejected").Inc();
            throw new BackendException(BackendFailure.Rejected,
                $"not sent: its worst case of {worst} µ$ does not fit in the {envelope.Left} µ$ left of the auction's reservation of {envelope.ReservedMicros} µ$",
                mayHaveBeenBilled: false);
        }
        return worst;
    }

    private void Fail(long claim, Exception error)
    {
        var (billed, label) = error switch
        {
            BackendException { Failure: BackendFailure.Timeout } b => (b.MayHaveBeenBilled, "timeout"),
            BackendException { Failure: BackendFailure.Unavailable } b => (b.MayHaveBeenBilled, "unavailable"),
            BackendException { Failure: BackendFailure.BadResponse } b => (b.MayHaveBeenBilled, "bad_response"),
            BackendException b => (b.MayHaveBeenBilled, "rejected"),
            // Cancelled by the auction's per-call timeout after the request went out, or anything unexpected.
            _ => (true, "timeout"),
        };
        Settle(claim, billed ? claim : 0, label);
    }

    private void Settle(long claim, long cost, string label)
    {
        envelope.Settle(claim, cost);
        ExecutorMetrics.BackendRequests.WithLabels(agent.Name, label).Inc();
    }
}
