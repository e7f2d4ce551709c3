using Routing.Backends;
using Routing.Backends.Tokenization;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;

namespace Routing.Cli.Bench.Reservation;

/// <summary>Settings of <c>routing bench reservation</c>; prices in µ$ per million tokens (GPT-4o's list prices by default).</summary>
/// <param name="MaxTokens">The output cap reserved for; the command's default is the executor's for a client that names none (<see cref="ExecutorOptions.DefaultMaxTokens"/>).</param>
public sealed record ReservationBenchSettings(
    string DataDirectory, int MaxTokens, long PriceInMicrosPerMTok = 2_500_000, long PriceOutMicrosPerMTok = 10_000_000)
{
    /// <summary>GPT-4o's output maximum, the agent's <see cref="AgentDefinition.MaxOutputTokens"/>.</summary>
    public const int AgentMaxOutputTokens = 16_384;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (MaxTokens is < 1 or > AgentMaxOutputTokens)
        {
            problems.Add($"--max-tokens must be between 1 and {AgentMaxOutputTokens} (got {MaxTokens})");
        }

        if (PriceInMicrosPerMTok < 1 || PriceOutMicrosPerMTok < 1)
        {
            problems.Add("--price-in-micros and --price-out-micros must be ≥ 1 µ$ per million tokens");
        }

        return problems;
    }

    /// <summary>The agent the steps are reserved on: GPT-4o at the settings' prices, with <paramref name="tokenizer"/> (null: the byte bound).</summary>
    public AgentDefinition Agent(string? tokenizer) =>
        new("gpt-4o", new Uri("https://api.openai.com/v1"), "gpt-4o", PriceInMicrosPerMTok, PriceOutMicrosPerMTok, 0, AgentMaxOutputTokens, null) { Tokenizer = tokenizer };
}

/// <summary>One step's reservation on each side and its real cost, in µ$ and input tokens.</summary>
public sealed record StepReservation(TauBenchStep Step, long ByteBoundInput, long TokenizerInput, long ByteBoundMicros, long TokenizerMicros, long RealMicros);

/// <summary>
/// The reservation the executor makes for each tau-bench step with the byte bound ("before") and with the agent's o200k
/// tokenizer ("after"), against what the step really costs, and the false 402s each would give near the end of a budget.
/// </summary>
public static class ReservationBench
{
    /// <summary>Remaining money as a multiple of the next step's real cost: 0.50, 0.55, …, 2.00.</summary>
    public static IReadOnlyList<double> RemainingOverReal { get; } = [.. Enumerable.Range(0, 31).Select(i => Math.Round(0.5 + (0.05 * i), 2))];

    /// <summary>
    /// The reservation of <paramref name="command"/> on <paramref name="agent"/> as the step pipeline computes it for an
    /// OpenAI backend with no input floor (the default): the text's bound, the images, <paramref name="maxTokens"/> output.
    /// </summary>
    public static (long InputTokens, long Micros) Reserve(AgentDefinition agent, StepCommand command, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(command);
        var input = StepCosts.InputTokensFor(agent, (int)Math.Min(int.MaxValue, StepCosts.TextTokensFor(agent, command)), command.ContentParts);
        return (input, StepCosts.WorstCase(agent, input, Math.Min(maxTokens, agent.MaxOutputTokens)));
    }

    /// <summary>Each step's reservations and real cost (the next turn's output, capped at the reserved maximum).</summary>
    public static List<StepReservation> Reservations(ReservationBenchSettings settings, IReadOnlyList<TauBenchStep> steps)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(steps);
        var bytes = settings.Agent(null);
        var tokenizer = settings.Agent(PromptTokenizers.O200kBase);
        var result = new List<StepReservation>(steps.Count);
        foreach (var step in steps)
        {
            var before = Reserve(bytes, step.Command, settings.MaxTokens);
            var after = Reserve(tokenizer, step.Command, settings.MaxTokens);
            var output = (int)Math.Min(step.NextOutputTokens, settings.MaxTokens);
            var real = StepCosts.Actual(tokenizer, new ChatUsage((int)step.RealInputTokens, output));
            result.Add(new StepReservation(step, before.InputTokens, after.InputTokens, before.Micros, after.Micros, real));
        }

        return result;
    }

    public static ReservationBenchReport Run(ReservationBenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var steps = TauBenchSteps.Load(settings.DataDirectory);
        var reservations = Reservations(settings, steps);
        return new ReservationBenchReport(
            "reservation", TauBenchSteps.FileName, steps.Select(s => s.Conversation).Distinct().Count(), steps.Count,
            settings.MaxTokens, settings.PriceInMicrosPerMTok, settings.PriceOutMicrosPerMTok,
            reservations.Count == 0 ? 0 : (long)reservations.Average(r => r.RealMicros),
            RemainingOverReal,
            [.. RemainingOverReal.Select(ratio => reservations.Count(r => Remaining(r, ratio) >= r.RealMicros))],
            Side("byte bound", reservations, r => r.ByteBoundMicros, r => r.ByteBoundInput),
            Side("o200k tokenizer", reservations, r => r.TokenizerMicros, r => r.TokenizerInput));
    }

    /// <summary>The money left before the step: <paramref name="ratio"/> × its real cost, rounded down to a whole µ$.</summary>
    private static long Remaining(StepReservation r, double ratio) => (long)Math.Floor(ratio * r.RealMicros);

    private static ReservationSide Side(string name, List<StepReservation> all, Func<StepReservation, long> micros, Func<StepReservation, long> input)
    {
        var ratios = all.Select(r => (double)micros(r) / Math.Max(1, r.RealMicros)).Order().ToList();
        var inputRatios = all.Select(r => (double)input(r) / Math.Max(1, r.Step.RealInputTokens)).Order().ToList();
        return new ReservationSide(
            name,
            new RatioSummary(Percentile(ratios, 0.5), Percentile(ratios, 0.9), ratios.Count == 0 ? 0 : ratios[^1]),
            new RatioSummary(Percentile(inputRatios, 0.5), Percentile(inputRatios, 0.9), inputRatios.Count == 0 ? 0 : inputRatios[^1]),
            all.Count(r => micros(r) < r.RealMicros),
            all.Count(r => input(r) < r.Step.RealInputTokens),
            // A false 402: the reservation does not fit what remains, though the step's real cost would have.
            [.. RemainingOverReal.Select(ratio => all.Count(r => micros(r) > Remaining(r, ratio) && r.RealMicros <= Remaining(r, ratio)))]);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
