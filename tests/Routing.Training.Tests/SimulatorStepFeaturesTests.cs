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
