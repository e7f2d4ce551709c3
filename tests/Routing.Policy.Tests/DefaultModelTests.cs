using Microsoft.Extensions.Logging.Abstractions;
using Routing.Features;
using Routing.Policy.DefaultModel;
using Routing.Policy.Inference;
using Routing.Policy.Models;
using Routing.Policy.Options;
using Xunit;

namespace Routing.Policy.Tests;

public sealed class DefaultModelTests
{
    private static readonly string SourceDirectory = Path.Combine(RepositoryRoot(), "services", "Routing.Policy", "DefaultModel", HeuristicPolicy.Version);

    [Fact]
    public void TheCommittedDefaultModelFilesEqualTheirGenerator()
    {
        if (Environment.GetEnvironmentVariable("ROUTING_WRITE_DEFAULT_MODEL") == "1")
        {
            HeuristicPolicy.WriteTo(SourceDirectory);
        }

        Assert.Equal(HeuristicPolicy.ModelBytes(), File.ReadAllBytes(Path.Combine(SourceDirectory, ModelLoader.ModelFileName)));
        Assert.Equal(HeuristicPolicy.ManifestBytes(), File.ReadAllBytes(Path.Combine(SourceDirectory, ModelLoader.ManifestFileName)));
    }

    [Fact]
    public void TheBundledModelValidatesAndSaysItIsAHeuristic()
    {
        using var loaded = new LoadedModelScope(Path.Combine(ModelRegistry.DefaultDirectory, HeuristicPolicy.Version));

        Assert.Equal("heuristic", loaded.Model.Manifest.Kind);
        Assert.Contains("not trained", loaded.Model.Manifest.Description, StringComparison.Ordinal);
        Assert.Equal(FeatureSchemaV1.Width, loaded.Model.Session.InputWidth);
    }

    [Fact]
    public void TheHeuristicGoesLargeFirstStaysSmallWhileCalmAndEscalatesAfterFailure()
    {
        using var loaded = new LoadedModelScope(Path.Combine(ModelRegistry.DefaultDirectory, HeuristicPolicy.Version));
        var budget = new StepState { LimitMicros = 100, RemainingMicros = 100, Horizon = 20 };

        var first = PLarge(loaded, budget);
        var calm = PLarge(loaded, budget with { StepIndex = 5, LastAction = PreviousAction.Small, SelfConfidence = 0.9 });
        var failing = PLarge(loaded, budget with { StepIndex = 5, LastAction = PreviousAction.Small, LastStepFailed = true, RecentErrors = 1, SmallModelFailures = 1 });
        var failingPoor = PLarge(loaded, budget with { StepIndex = 5, LastStepFailed = true, RecentErrors = 1, SmallModelFailures = 1, RemainingMicros = 0 });

        Assert.True(first > 0.5, $"first step P(large) {first}");
        Assert.True(calm < 0.5, $"calm step P(large) {calm}");
        Assert.True(failing > 0.5, $"failing step P(large) {failing}");
        Assert.True(failingPoor < failing, "a drained budget lowers P(large)");
    }

    [Fact]
    public void TheServedHeuristicEqualsThePlainForwardPassOfItsWeights()
    {
        using var loaded = new LoadedModelScope(Path.Combine(ModelRegistry.DefaultDirectory, HeuristicPolicy.Version));
        var network = HeuristicPolicy.Network();
        var random = new Random(11);
        var expected = new float[2];
        for (var i = 0; i < 50; i++)
        {
            var features = TestModels.RandomFeatures(random);
            network.Forward(features, expected);

            var actual = loaded.Model.Session.RunRows(features);

            Assert.InRange(actual[1] - expected[1], -1e-5f, 1e-5f);
        }
    }

    private static float PLarge(LoadedModelScope loaded, StepState state)
    {
        var features = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(state, "fix the failing test", "error: assertion failed", features);
        return loaded.Model.Session.RunRows(features)[1];
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Routing.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Routing.sln not found above the test binaries");
    }
}

/// <summary>Loads one version directory with default options, for tests that need a session.</summary>
internal sealed class LoadedModelScope : IDisposable
{
    public LoadedModelScope(string directory, BatchingOptions? batching = null)
    {
        var loader = new ModelLoader(new SessionFactory(new PolicyOptions(), NullLogger<SessionFactory>.Instance));
        Model = loader.Load(directory, batching ?? new BatchingOptions());
    }

    public LoadedModel Model { get; }

    public void Dispose() => Model.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
