using System.Text.Json;
using Routing.Backends.Tokenization;
using Routing.Cli.Bench.Reservation;
using Routing.Executor.Pipeline;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing bench reservation</c>: on the recorded tau-bench steps the tokenizer's reservation never falls below what
/// the backend bills for the messages it receives and never exceeds the byte bound; the report's false 402s follow.
/// </summary>
public sealed class ReservationBenchTests
{
    private static readonly ReservationBenchSettings Gpt4o = new("unused", MaxTokens: 1_024);

    [SkippableFact]
    public void OnEveryTauBenchPrefixTheTokenizerReservationLiesBetweenTheBilledCountAndTheByteBound()
    {
        var root = Environment.GetEnvironmentVariable("ROUTING_OUTCOME_DATA");
        Skip.If(root is null || !File.Exists(Path.Combine(root, TauBenchSteps.FileName)),
            $"the real tau-bench data ({TauBenchSteps.FileName} under ROUTING_OUTCOME_DATA) is not on this machine");
        var exact = Gpt4o.Agent(PromptTokenizers.O200kBase);
        var bytes = Gpt4o.Agent(null);

        var steps = TauBenchSteps.Load(root!);

        Assert.True(steps.Count > 2_000, $"only {steps.Count} prefixes");
        foreach (var step in steps)
        {
            var at = $"conversation {step.Conversation}, prefix {step.End}";
            var tokenizer = StepCosts.TextTokensFor(exact, step.Command);
            var byteBound = StepCosts.TextTokensFor(bytes, step.Command);
            Assert.True(tokenizer >= step.RealInputTokens, $"{at}: tokenizer bound {tokenizer} < billed {step.RealInputTokens}");
            Assert.True(tokenizer <= byteBound, $"{at}: tokenizer bound {tokenizer} > byte bound {byteBound}");
        }

        foreach (var r in ReservationBench.Reservations(Gpt4o, steps))
        {
            Assert.InRange(r.TokenizerMicros, r.RealMicros, r.ByteBoundMicros);
        }
    }

    [Fact]
    public void ABudgetTooSmallForTheReservationButNotForTheStepIsAFalse402()
    {
        var directory = Directory.CreateTempSubdirectory("routing-reservation-");
        try
        {
            Directory.CreateDirectory(Path.Combine(directory.FullName, "agentic"));
            var words = string.Join(' ', Enumerable.Repeat("Please change my flight reservation to the next morning.", 40));
            File.WriteAllText(Path.Combine(directory.FullName, TauBenchSteps.FileName), JsonSerializer.Serialize(new[]
            {
                new { traj = new object[] { new { role = "system", content = words }, new { role = "user", content = "hi" }, new { role = "assistant", content = "Hello, how can I help?" } } },
            }));
            // The output cap set to the real reply's size: the input bound alone decides.
            var settings = new ReservationBenchSettings(directory.FullName, MaxTokens: 6);

            var report = ReservationBench.Run(settings);

            Assert.Equal(1, report.Steps);
            Assert.Equal(0, report.ByteBound.UnderReservations);
            Assert.Equal(0, report.Tokenizer.UnderReservations);
            var ratio = report.ByteBound.Cost.Max;
            Assert.True(ratio > 2, $"byte bound only {ratio}× the real cost");
            for (var i = 0; i < report.RemainingOverReal.Count; i++)
            {
                var fits = report.RemainingOverReal[i] >= 1;
                Assert.Equal(fits ? 1 : 0, report.Fitting[i]);
                // Below the real cost a refusal is right; above it, the byte bound (over 2× the cost) refuses up to 2×.
                Assert.Equal(fits ? 1 : 0, report.ByteBound.False402s[i]);
                Assert.True(report.Tokenizer.False402s[i] <= report.ByteBound.False402s[i]);
            }

            Assert.Equal(0, report.Tokenizer.False402s[^1]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
