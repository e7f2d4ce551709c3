using System.Globalization;
using System.Text;
using Routing.Backends;
using Routing.Contracts.Memory.V1;
using Routing.Sale.Jury;
using Routing.Sale.Memory;
using Routing.Sale.Prompts;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;

namespace Routing.Sale.Auction;

/// <summary>
/// SALE's strategy auction over a pool of chat backends (docs/design.md §2.2): every agent bids a plan in parallel, every
/// agent scores every plan, the lowest C − V wins; if that is not the cheapest agent, each cheaper agent refines its
/// bid from contrastive pairs of similar past auctions and a refined bid that scores better takes the task. The
/// whole auction is recorded in memory. Stateless between auctions and safe to share.
/// </summary>
public sealed class AuctionEngine
{
    /// <summary>Metadata key that marks a call as part of an auction; values <c>bid</c>, <c>jury</c>, <c>refine</c>.</summary>
    public const string CallKindMetadata = "routing_sale";

    private readonly ISaleWeightsSource _weights;
    private readonly IAuctionMemory? _memory;
    private readonly AuctionOptions _options;
    private readonly AuctionPrompts _prompts;

    /// <param name="memory">The auction memory; null runs without refinement and without recording.</param>
    public AuctionEngine(ISaleWeightsSource weights, IAuctionMemory? memory, AuctionOptions? options = null, AuctionPrompts? prompts = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weights = weights;
        _memory = memory;
        _options = options ?? new AuctionOptions();
        var problems = _options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _prompts = prompts ?? AuctionPrompts.Load();
    }

    public AuctionOptions Options => _options;

    public async Task<AuctionResult> RunAsync(AuctionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var weights = _weights.Current;
        var run = new Run(this, request, weights);

        var bids = await Task.WhenAll(request.Agents.Select(a => run.BidAsync(a, refinePrompt: null))).ConfigureAwait(false);
        var valid = bids.Where(b => b.Valid).ToList();
        if (valid.Count == 0)
        {
            return run.Fallback(bids);
        }

        valid = await run.JudgeAsync(valid, AuctionPhase.Jury).ConfigureAwait(false);
        var provisional = run.Best(valid);
        var winner = provisional;
        var refined = new List<ScoredBid>();
        if (_options.Refinement && _memory is not null)
        {
            refined = await run.RefineAsync(valid, provisional).ConfigureAwait(false);
            var bestRefined = refined.Count == 0 ? null : run.Best(refined);
            if (bestRefined is not null && bestRefined.Score.Score < provisional.Score.Score)
            {
                winner = bestRefined;
            }
        }

        // The returned list keeps every agent (failed bids too); scores are those of the judged bids.
        var judged = bids.Select(b => valid.Find(v => v.Agent == b.Agent) ?? b).ToList();
        var recorded = await run.RecordAsync(valid, refined, winner).ConfigureAwait(false);
        return new AuctionResult
        {
            AuctionId = request.AuctionId,
            WeightsVersion = weights.Version,
            PromptVersion = _prompts.Version,
            Bids = judged,
            RefinedBids = refined,
            Winner = winner.Agent,
            WinnerPlan = winner.Plan,
            WinnerRefined = winner.Refined,
            ProvisionalWinner = provisional.Agent,
            Jury = run.Tally,
            RefinedJurySkipped = run.RefinedJurySkipped,
            OverheadByPhase = run.Overhead,
            Notes = run.Notes,
            Recorded = recorded,
        };
    }

    private static void Validate(AuctionRequest request)
    {
        if (request.Agents.Count == 0)
        {
            throw new ArgumentException("Agents: the auction needs at least one agent.", nameof(request));
        }

        if (request.Agents.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != request.Agents.Count)
        {
            throw new ArgumentException("Agents: agent names must be unique.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.TaskText))
        {
            throw new ArgumentException("TaskText is required.", nameof(request));
        }
    }

    /// <summary>One auction's state: the shared gate, the weights snapshot, tallies and notes.</summary>
    private sealed class Run(AuctionEngine engine, AuctionRequest request, SaleWeights weights)
    {
        private readonly SemaphoreSlim _gate = new(engine._options.MaxConcurrency);
        private readonly Lock _lock = new();
        private readonly double _maxPrice = Math.Max(1e-9, request.Agents.Max(a => a.MeanPrice));
        private readonly List<string> _notes = [];
        private AuctionPhaseOverhead _overhead;
        private JuryTally _tally;

        private AuctionOptions Options => engine._options;

        public AuctionPhaseOverhead Overhead
        {
            get
            {
                lock (_lock)
                {
                    return _overhead;
                }
            }
        }

        public JuryTally Tally => _tally;

        public List<string> Notes
        {
            get
            {
                lock (_lock)
                {
                    return [.. _notes];
                }
            }
        }

        public async Task<ScoredBid> BidAsync(AuctionAgent agent, string? refinePrompt)
        {
            var prompt = refinePrompt ?? AuctionPrompts.Render(engine._prompts.Bid, Values(("max_tokens", Options.PlanMaxTokens.ToString(CultureInfo.InvariantCulture))));
            var (result, failure) = await CallAsync(agent, refinePrompt is null ? AuctionPhase.Bid : AuctionPhase.Refine, prompt, Options.PlanMaxTokens, logprobs: true).ConfigureAwait(false);
            if (result is null || string.IsNullOrWhiteSpace(result.Content))
            {
                return new ScoredBid { Agent = agent.Name, Refined = refinePrompt is not null, Failure = failure ?? "the plan is empty" };
            }

            var entropy = PlanEntropy.Normalised(result.Logprobs);
            var note = entropy is not null ? null
                : result.Logprobs is null ? "no log-probs returned; entropy term dropped for this bid"
                : "log-probs without alternatives; entropy term dropped for this bid";
            var features = new BidFeatures(agent.Name, agent.MeanPrice / _maxPrice, result.Usage.CompletionTokens, entropy, []);
            return new ScoredBid
            {
                Agent = agent.Name,
                Refined = refinePrompt is not null,
                Plan = result.Content,
                Features = features,
                EntropyNote = note,
                Score = BidScore.Of(features, weights, Options.Terms),
            };
        }

        /// <summary>Every agent scores every plan in one call per juror; returns the bids with their votes and scores.</summary>
        public async Task<List<ScoredBid>> JudgeAsync(List<ScoredBid> plans, AuctionPhase phase)
        {
            if (!Options.Terms.Jury)
            {
                return plans;
            }

            var listing = new StringBuilder();
            for (var i = 0; i < plans.Count; i++)
            {
                listing.Append(CultureInfo.InvariantCulture, $"Plan {i + 1}:\n{plans[i].Plan.Trim()}\n\n");
            }

            var prompt = AuctionPrompts.Render(engine._prompts.Jury, Values(("plans", listing.ToString().TrimEnd())));
            var answers = await Task.WhenAll(request.Agents.Select(async juror =>
            {
                var (result, _) = await CallAsync(juror, phase, prompt, JuryAnswer.MaxTokens(plans.Count, Options.JuryMaxTokens), logprobs: false).ConfigureAwait(false);
                return (juror.Name, Answer: result is null ? null : JuryAnswer.Parse(result.Content, plans.Count));
            })).ConfigureAwait(false);

            var votes = plans.Select(_ => new List<JuryVote>()).ToArray();
            var tally = default(JuryTally);
            foreach (var (juror, answer) in answers)
            {
                if (answer is null)
                {
                    tally += new JuryTally(0, 0, plans.Count);
                    continue;
                }

                tally += new JuryTally(plans.Count - answer.Invalid - answer.Missing, answer.Invalid, answer.Missing);
                for (var i = 0; i < plans.Count; i++)
                {
                    if (answer.Scores[i] is { } score)
                    {
                        votes[i].Add(new JuryVote(juror, score));
                    }
                }
            }

            _tally += tally;
            return plans.Select((bid, i) =>
            {
                var features = bid.Features! with { Votes = votes[i] };
                return bid with { Features = features, Score = BidScore.Of(features, weights, Options.Terms) };
            }).ToList();
        }

        /// <summary>Lowest C − V; ties go to the cheaper agent, then by name, so the choice is deterministic.</summary>
        public ScoredBid Best(List<ScoredBid> bids) => bids
            .OrderBy(b => b.Score.Score)
            .ThenBy(b => Agent(b.Agent).MeanPrice)
            .ThenBy(b => b.Agent, StringComparer.Ordinal)
            .First();

        /// <summary>Each agent cheaper than the provisional winner rewrites its bid from memory; the refined bids are judged.</summary>
        public async Task<List<ScoredBid>> RefineAsync(List<ScoredBid> valid, ScoredBid provisional)
        {
            var winnerPrice = Agent(provisional.Agent).MeanPrice;
            var cheaper = valid.Where(b => Agent(b.Agent).MeanPrice < winnerPrice).ToList();
            if (cheaper.Count == 0)
            {
                return [];
            }

            var refined = await Task.WhenAll(cheaper.Select(RefineOneAsync)).ConfigureAwait(false);
            var bids = refined.Where(b => b is { Valid: true }).Select(b => b!).ToList();
            if (bids.Count == 0)
            {
                return bids;
            }

            if (Options.SkipHopelessRefinedJury && Options.Terms.Jury && CannotWin(bids, provisional) is { } bound)
            {
                RefinedJurySkipped = bids.Count;
                Note(string.Create(CultureInfo.InvariantCulture,
                    $"jury on the refined bids skipped ({bids.Count}): with every vote at its best their lowest C − V would be {bound:0.####}, not below the provisional winner's {provisional.Score.Score:0.####}"));
                return bids;
            }

            return await JudgeAsync(bids, AuctionPhase.RefineJury).ConfigureAwait(false);
        }

        /// <summary>Refined bids not put to the jury because none could have won (0 when they were judged).</summary>
        public int RefinedJurySkipped { get; private set; }

        /// <summary>
        /// The refined bids' lowest best-case score (<see cref="BidScore.BestCase"/>) when even that does not beat the
        /// provisional winner strictly, i.e. no jury could change the outcome; null when one of them could still win.
        /// All-or-nothing on purpose: dropping only the hopeless plans would change the listing every juror reads, and
        /// so its votes on the others (a simulated juror's noise is keyed to the prompt; a real one compares plans).
        /// </summary>
        private double? CannotWin(List<ScoredBid> bids, ScoredBid provisional)
        {
            var jurors = request.Agents.Select(a => a.Name).ToList();
            var bound = bids.Min(b => BidScore.BestCase(b.Features!, jurors, weights, Options.Terms).Score);
            return bound >= provisional.Score.Score ? bound : null;
        }

        private async Task<ScoredBid?> RefineOneAsync(ScoredBid original)
        {
            RetrieveContrastiveResponse memory;
            try
            {
                memory = await engine._memory!.RetrieveContrastiveAsync(
                    new RetrieveContrastiveRequest
                    {
                        Tenant = request.Tenant,
                        TaskText = request.TaskText,
                        Agent = original.Agent,
                        K = Options.MemoryK,
                        ExcludeAuctionId = request.AuctionId,
                    },
                    CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or TimeoutException or HttpRequestException)
            {
                Note($"{original.Agent}: memory retrieval failed ({e.Message}); not refined");
                return null;
            }

            var pairs = new StringBuilder();
            var quoted = 0;
            foreach (var task in memory.Tasks)
            {
                foreach (var pair in task.Pairs.Take(Options.PairsPerTask))
                {
                    quoted++;
                    pairs.Append(CultureInfo.InvariantCulture, $"Past task {quoted} (similarity {task.Similarity:0.00}): {task.TaskText}\nLosing plan:\n{pair.Losing.Strategy.Trim()}\nWinning plan:\n{pair.Winning.Strategy.Trim()}\n\n");
                }
            }

            if (quoted == 0)
            {
                Note($"{original.Agent}: no contrastive pairs in memory ({memory.Candidates} candidate auctions); not refined");
                return null;
            }

            var prompt = AuctionPrompts.Render(engine._prompts.Refine, Values(
                ("pairs", pairs.ToString().TrimEnd()),
                ("plan", original.Plan.Trim()),
                ("max_tokens", Options.PlanMaxTokens.ToString(CultureInfo.InvariantCulture))));
            var bid = await BidAsync(Agent(original.Agent), prompt).ConfigureAwait(false);
            if (!bid.Valid)
            {
                Note($"{original.Agent}: refined bid failed ({bid.Failure})");
            }

            return bid;
        }

        public AuctionResult Fallback(ScoredBid[] bids)
        {
            var fallback = Options.FallbackAgent is { } name && request.Agents.Any(a => a.Name == name)
                ? name
                : request.Agents.OrderBy(a => a.MeanPrice).ThenBy(a => a.Name, StringComparer.Ordinal).First().Name;
            var reasons = string.Join("; ", bids.Select(b => $"{b.Agent}: {b.Failure}"));
            var configured = Options.FallbackAgent is { } n && fallback != n ? $" (configured fallback '{n}' is not in the pool; cheapest agent used)" : "";
            Note("nothing recorded in memory: no valid bid");
            return new AuctionResult
            {
                AuctionId = request.AuctionId,
                WeightsVersion = weights.Version,
                PromptVersion = engine._prompts.Version,
                Bids = bids,
                Winner = fallback,
                FallbackReason = $"every bid failed ({reasons}); fallback agent {fallback}{configured}",
                OverheadByPhase = Overhead,
                Notes = Notes,
            };
        }

        public async Task<bool> RecordAsync(List<ScoredBid> valid, List<ScoredBid> refined, ScoredBid winner)
        {
            if (engine._memory is null)
            {
                return false;
            }

            var record = new RecordAuctionRequest
            {
                Tenant = request.Tenant,
                AuctionId = request.AuctionId,
                TaskText = request.TaskText,
                Domain = request.Domain,
                PromptVersion = engine._prompts.Version,
            };
            foreach (var bid in valid.Concat(refined))
            {
                if (ReferenceEquals(bid, winner))
                {
                    record.WinnerIndex = record.Bids.Count;
                }

                record.Bids.Add(ToProto(bid));
            }

            try
            {
                await engine._memory.RecordAuctionAsync(record, CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or TimeoutException or HttpRequestException)
            {
                Note($"recording the auction in memory failed ({e.Message}); retry with the same auction id is safe");
                return false;
            }
        }

        private static Bid ToProto(ScoredBid bid)
        {
            var f = bid.Features!;
            var proto = new Bid
            {
                Agent = bid.Agent,
                Strategy = bid.Plan,
                PlanTokens = f.PlanTokens,
                // The record has no "absent" entropy; 0 with the bid's note in the auction result is the honest choice.
                Entropy = f.Entropy ?? 0,
                CostScore = bid.Score.Cost,
                ValueScore = bid.Score.Value,
                Refined = bid.Refined,
            };
            foreach (var vote in f.Votes)
            {
                proto.JuryScores.Add(new JuryScore { Juror = vote.Juror, Score = vote.Score });
            }

            return proto;
        }

        private AuctionAgent Agent(string name) => request.Agents.First(a => a.Name == name);

        private void Note(string note)
        {
            lock (_lock)
            {
                _notes.Add(note);
            }
        }

        private Dictionary<string, string> Values(params (string Key, string Value)[] extra)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["task"] = request.TaskText.Trim(),
                ["domain"] = string.IsNullOrEmpty(request.Domain) ? "unspecified" : request.Domain,
            };
            foreach (var (key, value) in extra)
            {
                values[key] = value;
            }

            return values;
        }

        private async Task<(ChatResult? Result, string? Failure)> CallAsync(AuctionAgent agent, AuctionPhase phase, string prompt, int maxTokens, bool logprobs)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [CallKindMetadata] = CallKind(phase) };
            if (request.TaskId is { } taskId)
            {
                metadata["task_id"] = taskId;
            }

            var call = new ChatCall
            {
                Model = agent.Definition.Model,
                Messages = [new ChatMessage("user", prompt)],
                MaxTokens = Math.Min(maxTokens, agent.Definition.MaxOutputTokens),
                Temperature = Options.Temperature,
                Logprobs = logprobs && Options.TopLogprobs > 0,
                TopLogprobs = logprobs ? Options.TopLogprobs : 0,
                TaskId = request.TaskId,
                Metadata = metadata,
            };
            await _gate.WaitAsync().ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(Options.CallTimeout);
            try
            {
                var result = await agent.Backend.CompleteAsync(call, timeout.Token).ConfigureAwait(false);
                Count(agent, phase, result.Usage);
                return (result, null);
            }
            catch (BackendException e)
            {
                Count(agent, phase, default);
                return (null, $"{e.Failure}: {e.Message}");
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Count(agent, phase, default);
                return (null, $"Timeout: no answer within {Options.CallTimeout.TotalSeconds:0.#} s");
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>The metadata value a backend sees: the jury on refined plans is a jury call like the first.</summary>
        private static string CallKind(AuctionPhase phase) => phase switch
        {
            AuctionPhase.Bid => "bid",
            AuctionPhase.Refine => "refine",
            _ => "jury",
        };

        private void Count(AuctionAgent agent, AuctionPhase phase, ChatUsage usage)
        {
            var cost = agent.Definition.CostMicros(usage);
            lock (_lock)
            {
                _overhead = _overhead.Add(phase, new AuctionOverhead(1, usage.PromptTokens, usage.CompletionTokens, cost));
            }
        }
    }
}
