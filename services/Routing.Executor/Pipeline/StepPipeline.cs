using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Backends;
using Routing.Backends.Tracing;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Policy.V1;
using Routing.Executor.Episodes;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using Routing.Executor.Tasks;
using Routing.Features;

namespace Routing.Executor.Pipeline;

/// <summary>
/// One step: features → route (policy, or the fallback agent when it is down) → reserve the worst case →
/// backend call → commit the reported usage (or release, or commit the reservation when the failed call may
/// have been billed) → task state, episode log, replay record. Every refusal is a <see cref="StepFailure"/>.
/// Money is never spent without a granted reservation: if the budget service cannot be asked, the step is refused.
/// </summary>
public sealed class StepPipeline
{
    /// <summary>Largest <c>signals.context_tokens</c> accepted (16 Mi tokens, far above any model's window).</summary>
    public const long MaxContextTokens = 16_777_216;

    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    private static readonly ReservationPurpose StepReservation = new("this step's worst case", "lower max_tokens or complete the task", "max_tokens");

    private readonly IAgentPool _pool;
    private readonly ServiceClients _clients;
    private readonly TaskStore _tasks;
    private readonly StepRecorder _recorder;
    private readonly BudgetSettlement _settlement;
    private readonly StepClaims _claims;
    private readonly StepRecovery _recovery;
    private readonly ExecutorOptions _options;
    private readonly ILogger<StepPipeline> _logger;
    private AgentCatalog? _catalog;

    public StepPipeline(
        IAgentPool pool, ServiceClients clients, TaskStore tasks, StepRecorder recorder, BudgetSettlement settlement, StepClaims claims, StepRecovery recovery,
        IOptions<ExecutorOptions> options, ILogger<StepPipeline> logger)
    {
        _claims = claims;
        _recovery = recovery;
        ArgumentNullException.ThrowIfNull(options);
        _pool = pool;
        _clients = clients;
        _tasks = tasks;
        _recorder = recorder;
        _settlement = settlement;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The pool as routing sees it; rebuilt when the pool's snapshot changes.</summary>
    public AgentCatalog Catalog
    {
        get
        {
            var snapshot = _pool.Current;
            var catalog = _catalog;
            if (catalog is null || !ReferenceEquals(catalog.Snapshot, snapshot))
            {
                catalog = AgentCatalog.Build(snapshot, _options.FallbackAgent);
                _catalog = catalog;
            }
            return catalog;
        }
    }

    /// <summary>Runs a whole non-streamed step.</summary>
    public async Task<StepResponse> RunAsync(string tenant, StepCommand command, CancellationToken cancellationToken)
    {
        var start = await PrepareAsync(tenant, command, cancellationToken);
        if (start.Replay is { } replay)
        {
            return replay;
        }
        var step = start.Prepared!;
        var backendStarted = Stopwatch.GetTimestamp();
        ChatResult result;
        // A keyed step outlives a caller that gives up on it: its answer is stored for the caller's retry to replay.
        // Cancelled with the caller, an answer that had already arrived was thrown away, the key freed, and the retry
        // called the model again (routing bench chaos: 25 such calls in 20 kill cycles with 2-s client timeouts).
        var callerToken = step.Claim is null ? cancellationToken : CancellationToken.None;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(_options.BackendTimeoutSeconds));
            try
            {
                result = await step.Backend.CompleteAsync(step.Call, timeout.Token);
            }
            catch (OperationCanceledException e) when (!callerToken.IsCancellationRequested)
            {
                throw new BackendException(BackendFailure.Timeout, $"no answer within Routing:Executor:BackendTimeoutSeconds ({_options.BackendTimeoutSeconds} s)", true, e);
            }
        }
        catch (Exception e) when (e is not StepFailure)
        {
            throw await FailAsync(step, e, Stopwatch.GetElapsedTime(backendStarted));
        }
        return await CompleteAsync(step, result, Stopwatch.GetElapsedTime(backendStarted));
    }

    /// <summary>Validates, routes and reserves; or returns the stored answer of an earlier attempt with the same key.</summary>
    public async Task<StepStart> PrepareAsync(string tenant, StepCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await PrepareCoreAsync(tenant, command, started, cancellationToken);
        }
        catch (StepFailure failure)
        {
            ExecutorMetrics.Steps.WithLabels(ResultLabel(failure.Kind)).Inc();
            throw;
        }
    }

    private async Task<StepStart> PrepareCoreAsync(string tenant, StepCommand command, long started, CancellationToken cancellationToken)
    {
        var catalog = Catalog;
        var pinned = Validate(command, catalog);

        // One round trip: the idempotency key's claim (or what its earlier attempt left) and the task's step number.
        var begin = await BeginAsync(tenant, command, null);
        if (begin.Outcome == BeginOutcome.Missing && command.OpenIfMissing is { } open)
        {
            await open(cancellationToken);
            begin = await BeginAsync(tenant, command, null);
        }
        if (begin.Outcome == BeginOutcome.Orphaned)
        {
            // The earlier attempt's owner died with a reservation out: settle it, then take the key over.
            await _recovery.SettleOrphanAsync(tenant, command.TaskId, begin);
            begin = await BeginAsync(tenant, command, begin.Attempt);
        }
        switch (begin.Outcome)
        {
            // A key reused for another request is refused, not answered with the first one (a payment API's rule,
            // draft-ietf-httpapi-idempotency-key-header §2.7); begin_step.lua left the claim to its first request.
            case BeginOutcome.Reused:
                throw new StepFailure(StepFailureKind.IdempotencyKeyReused,
                    $"the idempotency key '{command.IdempotencyKey}' was first used for another request (a different body); use a new key for a new request", "idempotency_key");
            case BeginOutcome.Replay:
                var replay = StepResponse.Parser.ParseFrom(Convert.FromBase64String(begin.Answer));
                replay.Replayed = true;
                return new StepStart(null, replay);
            case BeginOutcome.Answered:
                return new StepStart(null, await _recovery.SettleAnsweredAsync(tenant, command.TaskId, command.IdempotencyKey!, begin));
            case BeginOutcome.Running or BeginOutcome.Orphaned:
                throw new StepFailure(StepFailureKind.InProgress,
                    $"a step with idempotency_key '{command.IdempotencyKey}' is still running; retry it later for its answer", "idempotency_key");
            case BeginOutcome.Missing:
                throw StepFailure.NotYourTask(command.TaskId);
            case BeginOutcome.Completed:
                throw new StepFailure(StepFailureKind.TaskClosed, $"task_id '{command.TaskId}' is completed; open a new task for more steps", "task_id");
        }

        var claim = command.IdempotencyKey is { } claimed ? _claims.Start(tenant, command.TaskId, claimed, begin.Attempt) : null;
        try
        {
            return new StepStart(await RouteAndReserveAsync(tenant, command, begin.State!, catalog, pinned, started, claim, cancellationToken), null);
        }
        catch
        {
            // The key was claimed by this attempt (a missing or completed task claims nothing): free it for a retry.
            if (claim is not null)
            {
                await using (claim)
                {
                    await claim.ReleaseAsync();
                }
            }
            throw;
        }
    }

    private Task<StepBegin> BeginAsync(string tenant, StepCommand command, long? settledOrphanAttempt)
    {
        var signals = command.Signals;
        return _tasks.BeginStepAsync(tenant, command.TaskId, signals.ErrorObserved, signals.Retries, signals.LastStepFailed,
            command.IdempotencyKey, _claims.Owner, _claims.HeartbeatTtl, settledOrphanAttempt, command.Fingerprint);
    }

    private async Task<PreparedStep> RouteAndReserveAsync(
        string tenant, StepCommand command, TaskProgress state, AgentCatalog catalog, AgentDefinition? pinned, long started, StepClaim? claim,
        CancellationToken cancellationToken)
    {
        var signals = command.Signals;

        var toolsJson = command.Tools?.GetRawText();
        var messageTokens = (int)Math.Min(int.MaxValue, StepCosts.InputTokenBound(command.Messages, toolsJson) + command.ContentParts.OtherBytes);
        // The caller may know its context better than a byte bound (its tokenizer; a simulated agent's billed
        // context): the features take its count, and the reservation never goes below either.
        var contextTokens = signals.ContextTokens is { } declared ? (int)declared : messageTokens;
        var inputs = new StepInputBounds(command, _pool, Math.Max(_options.InputTokenFloor, signals.ContextTokens ?? 0));
        // A lone message is the task itself, not an observation: the trainer's bridge sees no observation on a first step.
        var observation = signals.Observation.Length > 0 ? signals.Observation : command.Messages.Count > 1 ? command.Messages[^1].Content : "";
        var features = new float[FeatureSchemaV1.Width];
        // The features see the context the caller sent; the floor only widens the reservation.
        FeatureSchemaV1.Extract(state.ToStepState(contextTokens, signals.SelfConfidence), state.TaskText, observation, features);

        var (agent, decision) = pinned is not null
            ? (pinned, Decision(pinned, RoutingReason.Pinned))
            : await RouteAsync(command, state, catalog, features, inputs, cancellationToken);
        var maxTokens = MaxTokensFor(command, agent);
        var worstCase = StepCosts.WorstCase(agent, inputs.For(agent), maxTokens);
        var idempotencyKey = command.IdempotencyKey is { } key ? $"{key}:{Guid.NewGuid():N}" : Guid.NewGuid().ToString("N");
        var reservation = await ReserveAsync(tenant, command.TaskId, worstCase, idempotencyKey, decision.Tier, cancellationToken);

        var call = new ChatCall
        {
            Model = agent.Model,
            Messages = command.Messages,
            MaxTokens = maxTokens,
            Temperature = command.Temperature,
            Logprobs = command.Logprobs,
            TopLogprobs = command.TopLogprobs,
            Tools = command.Tools,
            ToolChoice = command.ToolChoice,
            TaskId = command.TaskId,
            PassThrough = command.PassThrough,
            MaxTokensField = command.MaxTokensField == "max_completion_tokens" ? command.MaxTokensField : null,
        };
        var step = new PreparedStep
        {
            Tenant = tenant,
            TaskId = command.TaskId,
            StepIndex = state.Started - 1,
            Agent = agent,
            LargestTier = catalog.Ordered.Max(a => a.Tier),
            Backend = new TracedChatBackend(agent, _pool.BackendFor(agent)),
            Call = call,
            Decision = decision,
            CostPreference = command.CostPreference,
            Features = features,
            ReservationId = reservation.ReservationId,
            ReservedMicros = reservation.AmountMicros,
            IdempotencyKey = command.IdempotencyKey,
            Fingerprint = command.Fingerprint,
            CompletionId = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            Claim = claim,
            StartedAt = started,
        };
        StepTracing.Routed(step);
        if (claim is not null)
        {
            // Write-ahead: a retry that finds this attempt's owner dead settles this reservation at its amount
            // with this line (the call may have been billed); without the record the call is not made.
            var pending = StepRecord(step, EpisodeRecord.UnknownOutcome, null, null, step.ReservedMicros, -1, TimeSpan.Zero, TimeSpan.Zero);
            try
            {
                await claim.RecordReservationAsync(step.ReservationId, step.ReservedMicros, JsonSerializer.SerializeToUtf8Bytes(pending, EpisodeJsonContext.Default.EpisodeRecord));
            }
            catch (StackExchange.Redis.RedisException)
            {
                // Nothing was spent: give the reservation back and fail as the executor's Redis fails (UNAVAILABLE).
                await ReleaseAsync(step);
                throw;
            }
        }
        return step;
    }

    /// <summary>Commits a successful call's reported usage and answers the step.</summary>
    public async Task<StepResponse> CompleteAsync(PreparedStep step, ChatResult result, TimeSpan backendElapsed)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(result);
        var cost = StepCosts.Actual(step.Agent, result.Usage);
        ExecutorMetrics.RecordBackendCall(step.Agent.Name, "ok", backendElapsed, result.Usage, cost);
        StepTracing.Settled(cost);
        var response = new StepResponse
        {
            Content = result.Content,
            FinishReason = result.FinishReason,
            ToolCallsJson = result.ToolCalls?.GetRawText() ?? "",
            Decision = step.Decision,
            Usage = new Usage { PromptTokens = result.Usage.PromptTokens, CompletionTokens = result.Usage.CompletionTokens },
            CostMicros = cost,
            ReservedMicros = step.ReservedMicros,
            Budget = new BudgetState { RemainingMicros = -1 },
            StepIndex = step.StepIndex,
            CompletionId = step.CompletionId,
        };
        if (result.Logprobs is { } logprobs)
        {
            foreach (var token in logprobs)
            {
                response.Logprobs.Add(new Contracts.Executor.V1.TokenLogprob { Token = token.Token, Logprob = token.Logprob });
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(step.StartedAt);
        var record = StepRecord(step, "ok", result.FinishReason, result.Usage, cost, -1, elapsed, backendElapsed);
        await using (step.Claim)
        {
            if (step.Claim is { } claim)
            {
                // The answer is stored before the money is settled: a crash from here on leaves a retry the cost to
                // commit and the answer to return, never a second model call.
                await StoreAnswerAheadAsync(claim, response, cost, record);
            }
            var commit = await CommitAsync(step, cost);
            if (commit is not null)
            {
                response.Budget = commit.Budget;
                record = record with { RemainingMicros = commit.Budget.RemainingMicros };
            }
            // A parked commit (no answer from the ledger) leaves the history's budget as it was.
            await _recorder.RecordAsync(record, StepRecovery.HistoryOf(response, commit), step.IdempotencyKey, step.Claim?.Id ?? default, StepKeyMode.Store,
                step.IdempotencyKey is null ? null : Convert.ToBase64String(response.ToByteArray()));
        }
        ExecutorMetrics.Steps.WithLabels(ExecutorMetrics.StepResult.Ok).Inc();
        ExecutorMetrics.StepAddedLatency.Observe(Math.Max(0, (elapsed - backendElapsed).TotalSeconds));
        return response;
    }

    /// <summary>
    /// Settles a failed call and returns the failure to throw. A call that cannot have been billed gives its
    /// reservation back; one that may have been (a timeout after the request was sent, a garbled answer) commits
    /// the reservation, the most it can have cost, so the ledger never under-counts real spend.
    /// </summary>
    public async Task<StepFailure> FailAsync(PreparedStep step, Exception error, TimeSpan backendElapsed)
    {
        ArgumentNullException.ThrowIfNull(step);
        var backend = error as BackendException
            ?? new BackendException(BackendFailure.BadResponse, $"{error.GetType().Name}: {error.Message}", true, error);
        var label = backend.Failure switch
        {
            BackendFailure.Timeout => "timeout",
            BackendFailure.Unavailable => "unavailable",
            BackendFailure.BadResponse => "bad_response",
            _ => "rejected",
        };
        long charged = 0;
        long remaining = -1;
        ExecutorMetrics.RecordBackendCall(step.Agent.Name, label, backendElapsed, null, backend.MayHaveBeenBilled ? step.ReservedMicros : 0);
        if (backend.MayHaveBeenBilled)
        {
            charged = step.ReservedMicros;
            remaining = (await CommitAsync(step, charged))?.Budget.RemainingMicros ?? -1;
        }
        else
        {
            remaining = await ReleaseAsync(step);
        }
        StepTracing.Settled(charged);
        var elapsed = Stopwatch.GetElapsedTime(step.StartedAt);
        // No history (the step did not complete); the key is freed so that a retry runs the step again.
        await using (step.Claim)
        {
            await _recorder.RecordAsync(StepRecord(step, label, null, null, charged, remaining, elapsed, backendElapsed), null, step.IdempotencyKey,
                step.Claim?.Id ?? default, StepKeyMode.Release);
        }
        ExecutorMetrics.Steps.WithLabels(ExecutorMetrics.StepResult.BackendError).Inc();
        ExecutorMetrics.StepAddedLatency.Observe(Math.Max(0, (elapsed - backendElapsed).TotalSeconds));
        var settled = backend.MayHaveBeenBilled
            ? $"the reservation of {step.ReservedMicros} µ$ was committed because the backend may have billed the call"
            : "the reservation was released";
        var kind = backend.CallerFault ? StepFailureKind.RequestRejected : backend.Failure switch
        {
            BackendFailure.Timeout => StepFailureKind.BackendTimeout,
            BackendFailure.Unavailable => StepFailureKind.BackendUnavailable,
            BackendFailure.BadResponse => StepFailureKind.BackendBadResponse,
            _ => StepFailureKind.BackendRejected,
        };
        return new StepFailure(kind, $"agent '{step.Agent.Name}' failed ({label}): {backend.Message}; {settled}", backend.Field, remaining >= 0 ? remaining : null);
    }

    private AgentDefinition? Validate(StepCommand command, AgentCatalog catalog)
    {
        TaskOperations.ValidateTaskId(command.TaskId);
        if (command.Messages.Count == 0)
        {
            throw StepFailure.Invalid("messages", "must hold at least one message");
        }
        for (var i = 0; i < command.Messages.Count; i++)
        {
            if (!Roles.Contains(command.Messages[i].Role))
            {
                throw StepFailure.Invalid(string.Create(CultureInfo.InvariantCulture, $"messages[{i}].role"),
                    $"must be one of {string.Join(", ", Roles)} (got '{command.Messages[i].Role}')");
            }
        }
        if (command.Tools is { } tools && tools.ValueKind != JsonValueKind.Array)
        {
            throw StepFailure.Invalid("tools", "must be a JSON array of tool definitions");
        }
        if (command.MaxTokens < 0)
        {
            throw StepFailure.Invalid(command.MaxTokensField, $"must be ≥ 1 (got {command.MaxTokens})");
        }
        if (command.IdempotencyKey is { } key && (key.Length == 0 || key.Length > 256 || key.Any(char.IsControl)))
        {
            throw StepFailure.Invalid("idempotency_key", "must be 1–256 characters without control characters");
        }
        if (command.Temperature is { } temperature && (!double.IsFinite(temperature) || temperature < 0 || temperature > 2))
        {
            throw StepFailure.Invalid("temperature", $"must be between 0 and 2 (got {temperature})");
        }
        if (command.TopLogprobs is < 0 or > 20)
        {
            throw StepFailure.Invalid("top_logprobs", $"must be between 0 and 20 (got {command.TopLogprobs})");
        }
        if (command.TopLogprobs > 0 && !command.Logprobs)
        {
            throw StepFailure.Invalid("top_logprobs", "needs logprobs to be true");
        }
        if (command.CostPreference is { } lambda && (!double.IsFinite(lambda) || lambda < 0))
        {
            throw StepFailure.Invalid("cost_preference", $"must be a finite number ≥ 0 (got {lambda})");
        }
        if (command.Signals.ContextTokens is { } context && context is < 0 or > MaxContextTokens)
        {
            throw StepFailure.Invalid("signals.context_tokens", $"must be between 0 and {MaxContextTokens} (got {context})");
        }
        if (command.Signals.SelfConfidence is { } confidence && (!double.IsFinite(confidence) || confidence < 0 || confidence > 1))
        {
            throw StepFailure.Invalid("signals.self_confidence", $"must be between 0 and 1 (got {confidence})");
        }
        if (catalog.Ordered.Count == 0)
        {
            throw new StepFailure(StepFailureKind.BackendUnavailable, $"the agent pool (version {catalog.Snapshot.Version}) has no agents");
        }
        if (command.Agent is null)
        {
            return null;
        }
        var agent = catalog.Find(command.Agent)
            ?? throw StepFailure.Invalid(command.AgentField, $"'{command.Agent}' is not an agent of the pool (ListAgents names them)");
        if (command.MaxTokens > agent.MaxOutputTokens)
        {
            throw StepFailure.Invalid(command.MaxTokensField, $"must be at most {agent.MaxOutputTokens} for agent '{agent.Name}' (got {command.MaxTokens})");
        }
        return agent;
    }

    private int MaxTokensFor(StepCommand command, AgentDefinition agent) =>
        Math.Min(command.MaxTokens > 0 ? command.MaxTokens : _options.DefaultMaxTokens, agent.MaxOutputTokens);

    private async Task<(AgentDefinition Agent, RoutingDecision Decision)> RouteAsync(
        StepCommand command, TaskProgress state, AgentCatalog catalog, float[] features, StepInputBounds inputs, CancellationToken cancellationToken)
    {
        var count = Math.Min(catalog.Ordered.Count, AgentCatalog.MaxCandidates);
        var request = new RouteRequest
        {
            TaskId = command.TaskId,
            Features = new StepFeatures { SchemaVersion = FeatureSchemaV1.Version },
            Budget = new BudgetState { RemainingMicros = state.RemainingMicros },
        };
        request.Features.Values.Add(features);
        if (state.LargeCallsLeft is { } left)
        {
            request.Budget.LargeCallsLeft = left;
        }
        if (command.CostPreference is { } lambda)
        {
            request.CostPreference = lambda;
        }
        for (var i = 0; i < count; i++)
        {
            var agent = catalog.Ordered[i];
            request.Candidates.Add(new Candidate
            {
                Model = agent.Name,
                Tier = AgentCatalog.TierOf(agent),
                WorstCaseCostMicros = StepCosts.WorstCase(agent, inputs.For(agent), MaxTokensFor(command, agent)),
            });
        }

        RouteResponse answer;
        try
        {
            answer = await _clients.Policy.RouteAsync(request,
                deadline: DateTime.UtcNow.AddMilliseconds(_options.PolicyTimeoutMilliseconds), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            ExecutorMetrics.PolicyFallbacks.Inc();
            _logger.LogWarning("Policy service failed ({Status}: {Detail}); routing task {TaskId} to the fallback agent", e.StatusCode, e.Status.Detail, command.TaskId);
            var fallback = catalog.Fallback!;
            return (fallback, Decision(fallback, RoutingReason.PolicyFallback));
        }

        if (answer.Stop)
        {
            throw new StepFailure(StepFailureKind.BudgetExhausted,
                $"budget exhausted: no agent's worst case fits the {state.RemainingMicros} µ$ that remain" +
                (state.LargeCallsLeft is { } l ? $" (large calls left: {l})" : ""),
                remainingMicros: state.RemainingMicros);
        }
        var chosen = catalog.Chosen(answer.CandidateIndex, answer.Model, count);
        var decision = Decision(chosen, answer.Reason switch
        {
            DecisionReason.BudgetMask => RoutingReason.BudgetMask,
            DecisionReason.LargeCap => RoutingReason.LargeCap,
            _ => RoutingReason.Policy,
        });
        decision.PolicyVersion = answer.PolicyVersion;
        decision.Probabilities.Add(answer.Probabilities);
        return (chosen, decision);
    }

    private static RoutingDecision Decision(AgentDefinition agent, RoutingReason reason) => new()
    {
        Agent = agent.Name,
        Model = agent.Model,
        Tier = AgentCatalog.TierOf(agent),
        Reason = reason,
    };

    private Task<ReserveResponse> ReserveAsync(string tenant, string taskId, long amount, string idempotencyKey, ModelTier tier, CancellationToken cancellationToken) =>
        _settlement.ReserveAsync(new ReserveRequest
        {
            Tenant = tenant,
            TaskId = taskId,
            AmountMicros = amount,
            IdempotencyKey = idempotencyKey,
            LeaseSeconds = _options.LeaseSeconds,
            Tier = tier,
            // The backend is called right after the grant: if this executor dies, the lease's end commits the
            // reservation (the call may have been billed) instead of giving it back.
            CommitOnExpiry = true,
        }, StepReservation, cancellationToken);

    /// <summary>
    /// Stores the answer ahead of its commit, retrying while the executor's Redis is away: an answer that is not
    /// stored is lost to a retry, which would then take the claim for orphaned and call the model again (paying
    /// twice). The heartbeat goes on meanwhile, so while this process lives the key answers 409, not a second call.
    /// Gives up only when the claim was taken over or its lease ended (the commit then goes ahead all the same).
    /// </summary>
    private async Task StoreAnswerAheadAsync(StepClaim claim, StepResponse response, long cost, EpisodeRecord record)
    {
        var answer = Convert.ToBase64String(response.ToByteArray());
        var episode = JsonSerializer.SerializeToUtf8Bytes(record, EpisodeJsonContext.Default.EpisodeRecord);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await claim.RecordAnswerAsync(answer, cost, episode);
                return;
            }
            catch (StackExchange.Redis.RedisException e)
            {
                ExecutorMetrics.AnswerStoreFailures.Inc();
                if (attempt == 0)
                {
                    _logger.LogWarning(e, "The answer of step {Step} of task {TaskId} could not be stored ahead of its commit; retrying until Redis answers",
                        response.StepIndex, record.TaskId);
                }
            }
            try
            {
                // Short, so that the answer lands right after Redis is back, before a retry could take the key over.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250, 25 << Math.Min(attempt, 4))), claim.Lease);
            }
            catch (OperationCanceledException)
            {
                _logger.LogError("The answer of step {Step} of task {TaskId} was not stored within the reservation's lease; a retry after a crash calls the model again",
                    response.StepIndex, record.TaskId);
                return;
            }
        }
    }

    private Task<CommitResponse?> CommitAsync(PreparedStep step, long actualMicros) =>
        _settlement.CommitAsync(new CommitRequest { Tenant = step.Tenant, TaskId = step.TaskId, ReservationId = step.ReservationId, ActualMicros = actualMicros });

    private async Task<long> ReleaseAsync(PreparedStep step) =>
        (await _settlement.ReleaseAsync(step.Tenant, step.TaskId, step.ReservationId))?.Budget.RemainingMicros ?? -1;

    private static EpisodeRecord StepRecord(
        PreparedStep step, string result, string? finishReason, ChatUsage? usage, long cost, long remaining, TimeSpan elapsed, TimeSpan backendElapsed) => new()
        {
            Kind = EpisodeRecord.StepKind,
            Tenant = step.Tenant,
            TaskId = step.TaskId,
            TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Step = step.StepIndex,
            FeatureSchemaVersion = FeatureSchemaV1.Version,
            Features = step.Features,
            Agent = step.Agent.Name,
            Model = step.Agent.Model,
            Tier = step.Agent.Tier,
            LargestTier = step.LargestTier,
            Reason = ReasonLabel(step.Decision.Reason),
            PolicyVersion = step.Decision.PolicyVersion.Length > 0 ? step.Decision.PolicyVersion : null,
            Probabilities = step.Decision.Probabilities.Count > 0 ? [.. step.Decision.Probabilities] : null,
            CostPreference = step.CostPreference,
            PromptTokens = usage?.PromptTokens,
            CompletionTokens = usage?.CompletionTokens,
            CostMicros = cost,
            ReservedMicros = step.ReservedMicros,
            RemainingMicros = remaining >= 0 ? remaining : null,
            LatencyMs = elapsed.TotalMilliseconds,
            BackendLatencyMs = backendElapsed.TotalMilliseconds,
            Result = result,
            FinishReason = finishReason,
        };

    public static string ReasonLabel(RoutingReason reason) => reason switch
    {
        RoutingReason.Policy => "policy",
        RoutingReason.BudgetMask => "budget_mask",
        RoutingReason.LargeCap => "large_cap",
        RoutingReason.Pinned => "pinned",
        RoutingReason.PolicyFallback => "policy_fallback",
        _ => "unspecified",
    };

    public static string ResultLabel(StepFailureKind kind) => kind switch
    {
        StepFailureKind.BudgetExhausted => ExecutorMetrics.StepResult.BudgetExhausted,
        StepFailureKind.BudgetUnavailable or StepFailureKind.InProgress or StepFailureKind.TaskClosed or StepFailureKind.NotYourTask
            or StepFailureKind.IdempotencyKeyReused => ExecutorMetrics.StepResult.Refused,
        StepFailureKind.BackendTimeout or StepFailureKind.BackendUnavailable or StepFailureKind.BackendBadResponse or StepFailureKind.BackendRejected
            or StepFailureKind.RequestRejected => ExecutorMetrics.StepResult.BackendError,
        _ => ExecutorMetrics.StepResult.Invalid,
    };
}
