using Routing.Features;
using Routing.Simulation;
using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;
using Routing.Training.Features;
using Xunit;

namespace Routing.Training.Tests;

/// <summary>The simulator → feature schema v1 bridge fills the schema from what the router sees, step by step.</summary>
public sealed class SimulatorStepFeaturesTests
{
    [Fact]
    public void EveryStepGetsAVectorThatMatchesItsContext()
    {
        var model = SimulatorModel.Default;
        var runner = new EpisodeRunner(model, model.StepPair);
        var generator = new TaskGenerator(model, 4242);
        var probe = new ProbeRouter(new EpisodeConstraints(200_000, 5));
        var episodes = 0;
        for (var i = 0; i < 40 && probe.SawError is false; i++, episodes++)
        {
            runner.Run(generator.Create(Domain.Coding, 3, i), probe);
        }

        Assert.True(probe.SawError, "some episode reported an error observation");
        Assert.True(probe.Steps > episodes, "episodes ran several steps");
    }

    [Fact]
    public void AnUnconstrainedEpisodeShowsANeverBindingLimitAsTheExecutorsTasksHaveOne()
    {
        // A served task always has a limit; "no limit" (remaining 0) in training was an input the policy never gets.
        var model = SimulatorModel.Default;
        var generator = new TaskGenerator(model, 4242);
        var limits = new HashSet<long>();
        for (var i = 0; i < 200; i++)
        {
            var task = generator.Create(Domain.Search, i % 5, i);
            var limit = SimulatorStepFeatures.NominalLimitMicros(task.Id);
            Assert.Equal(limit, SimulatorStepFeatures.NominalLimitMicros(task.Id));
            Assert.InRange(limit, SimulatorStepFeatures.NominalLimitMinMicros, SimulatorStepFeatures.NominalLimitMaxMicros);
            limits.Add(limit);
        }

        Assert.True(limits.Count > 190, "limits spread over tasks");
        Assert.Contains(limits, l => l < 50_000_000);
        Assert.Contains(limits, l => l > 200_000_000);

        var features = new SimulatorStepFeatures();
        var first = generator.Create(Domain.Coding, 2, 7);
        features.BeginEpisode(first, new EpisodeConstraints(null, null));
        var v = new float[FeatureSchemaV1.Width];
        var runner = new EpisodeRunner(model, model.StepPair);
        runner.Run(first, new FirstStepRouter(features, v));
        var expected = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(
            new StepState { LimitMicros = SimulatorStepFeatures.NominalLimitMicros(first.Id), RemainingMicros = SimulatorStepFeatures.NominalLimitMicros(first.Id), Horizon = first.Horizon, ContextTokens = first.PromptTokens },
            first.Describe(), "", expected);
        Assert.Equal(expected[FeatureSchemaV1.RemainingLog], v[FeatureSchemaV1.RemainingLog], 6);
        Assert.Equal(1f, v[FeatureSchemaV1.BudgetRemainingFraction]);
        Assert.True(v[FeatureSchemaV1.RemainingLog] > 0.7f, "a never-binding limit reads as plenty left");
    }

    [Fact]
    public void AnAuctionedTaskShowsItsAuctionInSlots20To22AsTheExecutorWould()
    {
        var model = SimulatorModel.Default;
        var task = new TaskGenerator(model, 4242).Create(Domain.Search, 1, 3);
        var runner = new EpisodeRunner(model, model.StepPair);
        var features = new SimulatorStepFeatures();
        var withAuction = new float[FeatureSchemaV1.Width];
        var without = new float[FeatureSchemaV1.Width];
        var auction = new AuctionOutcome(WinnerRank: 1, PoolSize: 2, Margin: 0.4);

        features.BeginEpisode(task, EpisodeConstraints.None, auction);
        runner.Run(task, new FirstStepRouter(features, withAuction));
        features.BeginEpisode(task, EpisodeConstraints.None);
        runner.Run(task, new FirstStepRouter(features, without));

        var expected = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(new StepState { Auction = auction }, "", "", expected);
        foreach (var slot in new[] { FeatureSchemaV1.HasAuction, FeatureSchemaV1.AuctionWinnerRank, FeatureSchemaV1.AuctionMargin })
        {
            Assert.Equal(expected[slot], withAuction[slot]);
            Assert.Equal(0f, without[slot]);
        }

        Assert.Equal(1f, withAuction[FeatureSchemaV1.HasAuction]);
        // Everything else is the same episode's first step.
        Assert.Equal(without.Where((_, i) => i is < FeatureSchemaV1.HasAuction or > FeatureSchemaV1.AuctionMargin), withAuction.Where((_, i) => i is < FeatureSchemaV1.HasAuction or > FeatureSchemaV1.AuctionMargin));
    }

    /// <summary>Extracts the first step's vector, then stops the episode.</summary>
    private sealed class FirstStepRouter(SimulatorStepFeatures features, float[] destination) : IStepRouter
    {
        public void BeginEpisode(in SimTask task, AgentPool pool)
        {
        }

        public int ChooseAgent(in StepContext context)
        {
            features.Extract(context, destination);
            return StepDecision.Stop;
        }
    }

    /// <summary>Alternates small and large and checks each vector against the context it came from.</summary>
    private sealed class ProbeRouter(EpisodeConstraints constraints) : IStepRouter
    {
        private readonly SimulatorStepFeatures _features = new();
        private readonly float[] _v = new float[FeatureSchemaV1.Width];

        public bool SawError { get; private set; }

        public int Steps { get; private set; }

        public void BeginEpisode(in SimTask task, AgentPool pool) => _features.BeginEpisode(task, constraints);

        public int ChooseAgent(in StepContext context)
        {
            _features.Extract(context, _v);
            Steps++;
            Assert.Equal(1f, _v[FeatureSchemaV1.Bias]);
            Assert.Equal(1f, _v[FeatureSchemaV1.HasLargeCallCap]);
            Assert.Equal((5f - context.CallsOnLargest) / 5f, _v[FeatureSchemaV1.LargeCallsLeftFraction], 5);
            Assert.Equal(Math.Clamp((200_000f - context.SpentMicros) / 200_000f, 0, 1), _v[FeatureSchemaV1.BudgetRemainingFraction], 5);
            Assert.NotEqual(0f, SumOfSquares(FeatureSchemaV1.TaskTextOffset));
            if (!context.HasLast)
            {
                Assert.Equal(0f, _v[FeatureSchemaV1.LastActionSmall] + _v[FeatureSchemaV1.LastActionLarge]);
                Assert.Equal(0f, SumOfSquares(FeatureSchemaV1.ObservationTextOffset));
                Assert.Equal(0f, _v[FeatureSchemaV1.HasSelfConfidence]);
            }
            else
            {
                var large = context.Last.Agent == context.Pool.Largest;
                Assert.Equal(large ? 1f : 0f, _v[FeatureSchemaV1.LastActionLarge]);
                Assert.Equal(large ? 0f : 1f, _v[FeatureSchemaV1.LastActionSmall]);
                Assert.Equal(context.Last.IsError ? 1f : 0f, _v[FeatureSchemaV1.LastStepFailed]);
                Assert.Equal(context.Last.Confidence, _v[FeatureSchemaV1.SelfConfidence], 5);
                Assert.Equal(1f, SumOfSquares(FeatureSchemaV1.ObservationTextOffset), 3);
                if (context.Last.IsError)
                {
                    SawError = true;
                    Assert.True(_v[FeatureSchemaV1.RecentErrors] > 0);
                }
            }

            return context.Step % 2 == 0 || context.CallsOnLargest >= 5 ? context.Pool.Smallest : context.Pool.Largest;
        }

        private float SumOfSquares(int offset)
        {
            var sum = 0f;
            for (var i = 0; i < FeatureSchemaV1.TextBuckets; i++)
            {
                sum += _v[offset + i] * _v[offset + i];
            }

            return sum;
        }
    }
}
