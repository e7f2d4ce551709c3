using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Routing.ServiceDefaults.Tracing;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// A step is one trace: the executor's request span, its gRPC calls to the policy and budget services (and their
/// server spans), and the GenAI span of the backend call, whose <c>traceparent</c> reaches the backend. The hosts
/// share a process, so one provider with the services' own instrumentation (<see cref="TracingSetup.Instrument"/>)
/// records them all, as in <c>routing up</c>.
/// </summary>
public sealed class TracingTests
{
    private static readonly TimeSpan SpanTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AChatCompletionIsOneTraceThroughPolicyAndBudgetToTheBackend()
    {
        await using var traced = await TracedStack.StartAsync();
        var (stack, spans, taskId) = (traced.Stack, traced.Spans, traced.TaskId);

        using var response = await stack.Http.SendAsync(stack.ChatRequest(taskId, """{"model":"auto","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}"""));
        response.EnsureSuccessStatusCode();

        var sent = Assert.Single(stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        var traceparent = sent.Header("traceparent");
        Assert.NotNull(traceparent);
        var context = ActivityContext.Parse(traceparent, null);
        // Server spans end after the response is written: wait until the executor's and the backend's are exported.
        var trace = await Eventually.ReturnsAsync(
            () => Task.FromResult(Snapshot(spans, context.TraceId)),
            t => t.Count(s => s.Kind == ActivityKind.Server && IsChatCompletion(s)) == 2,
            SpanTimeout, "the executor's and the backend's request spans");

        var backend = Assert.Single(trace, s => s.Source.Name == RoutingTelemetry.SourceName);
        var request = Assert.Single(trace, s => s.Kind == ActivityKind.Server && IsChatCompletion(s) && IsDescendant(backend, s, trace));
        Assert.Equal(ActivityKind.Client, backend.Kind);
        Assert.Equal("chat", backend.GetTagItem(RoutingTelemetry.GenAiOperationName));
        Assert.Equal("openai", backend.GetTagItem(RoutingTelemetry.GenAiProviderName));
        var model = Assert.IsType<string>(backend.GetTagItem(RoutingTelemetry.GenAiRequestModel));
        Assert.Contains(model, new[] { "small-model", "large-model" });
        Assert.Equal($"chat {model}", backend.DisplayName);

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = answer.RootElement.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), backend.GetTagItem(RoutingTelemetry.GenAiUsageInputTokens));
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt32(), backend.GetTagItem(RoutingTelemetry.GenAiUsageOutputTokens));

        // The span's cost is what the ledger committed, and the request span says the same and how it was routed.
        var committed = (await stack.LedgerAsync(taskId)).CommittedMicros;
        Assert.True(committed > 0);
        Assert.Equal(committed, backend.GetTagItem(RoutingTelemetry.CostMicros));
        Assert.Equal(committed, request.GetTagItem(RoutingTelemetry.CostMicros));
        Assert.Equal(model == "small-model" ? "small" : "large", request.GetTagItem(RoutingTelemetry.DecisionAgent));
        Assert.NotNull(request.GetTagItem(RoutingTelemetry.DecisionReason));
        Assert.True((long)request.GetTagItem(RoutingTelemetry.ReservedMicros)! >= committed);
        Assert.Equal(taskId, request.GetTagItem(RoutingTelemetry.TaskId));

        // The backend's traceparent names the HTTP call made inside the GenAI span, inside the request span.
        var http = Assert.Single(trace, s => s.SpanId == context.SpanId);
        Assert.Equal(backend.SpanId, http.ParentSpanId);
        Assert.Contains(trace, s => s.Kind == ActivityKind.Server && IsChatCompletion(s) && s.ParentSpanId == http.SpanId);

        // The policy and budget calls of the step are in the same trace, client and server side.
        foreach (var method in new[] { "PolicyService/Route", "BudgetService/Reserve", "BudgetService/Commit" })
        {
            Assert.Contains(trace, s => s.Kind == ActivityKind.Client && s.DisplayName.Contains(method, StringComparison.Ordinal));
            Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.DisplayName.Contains(method, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(trace, s => s.DisplayName.Contains("grpc.health", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStreamedCompletionsSpanCarriesTheUsageAndCostOfItsLastChunk()
    {
        await using var traced = await TracedStack.StartAsync();
        var (stack, spans, taskId) = (traced.Stack, traced.Spans, traced.TaskId);

        using var response = await stack.Http.SendAsync(stack.ChatRequest(taskId, """{"model":"small","stream":true,"max_tokens":50,"messages":[{"role":"user","content":"hello"}]}"""));
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync();

        var sent = Assert.Single(stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        var context = ActivityContext.Parse(sent.Header("traceparent")!, null);
        var trace = await Eventually.ReturnsAsync(
            () => Task.FromResult(Snapshot(spans, context.TraceId)),
            t => t.Any(s => s.Source.Name == RoutingTelemetry.SourceName),
            SpanTimeout, "the backend call's span");
        var backend = Assert.Single(trace, s => s.Source.Name == RoutingTelemetry.SourceName);
        Assert.Equal("small-model", backend.GetTagItem(RoutingTelemetry.GenAiRequestModel));
        Assert.True((int)backend.GetTagItem(RoutingTelemetry.GenAiUsageOutputTokens)! > 0);
        Assert.Equal((await stack.LedgerAsync(taskId)).CommittedMicros, backend.GetTagItem(RoutingTelemetry.CostMicros));
        Assert.Equal(backend.SpanId, Assert.Single(trace, s => s.SpanId == context.SpanId).ParentSpanId);
    }

    /// <summary>An executor stack whose spans one in-memory provider records, and an opened task.</summary>
    private sealed class TracedStack : IAsyncDisposable
    {
        private TracerProvider _provider = null!;

        public List<Activity> Spans { get; } = [];

        public ExecutorStack Stack { get; private set; } = null!;

        public string TaskId { get; } = ExecutorStack.NewTaskId();

        public static async Task<TracedStack> StartAsync()
        {
            var traced = new TracedStack();
            traced._provider = TracingSetup.Instrument(Sdk.CreateTracerProviderBuilder()).AddInMemoryExporter(traced.Spans).Build();
            traced.Stack = await ExecutorStack.StartAsync();
            await traced.Stack.OpenAsync(traced.TaskId, 1_000_000);
            return traced;
        }

        public async ValueTask DisposeAsync()
        {
            await Stack.DisposeAsync();
            _provider.Dispose();
        }
    }

    /// <summary>The exporter adds from the threads that end spans; a copy that meets an add throws, and Eventually copies again.</summary>
    private static List<Activity> Snapshot(List<Activity> spans, ActivityTraceId traceId) => spans.ToArray().Where(s => s.TraceId == traceId).ToList();

    private static bool IsChatCompletion(Activity span) =>
        span.GetTagItem("url.path") is "/v1/chat/completions" || span.DisplayName.Contains("/v1/chat/completions", StringComparison.Ordinal);

    private static bool IsDescendant(Activity span, Activity ancestor, List<Activity> trace)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        for (var current = span; byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }
        return false;
    }
}
