using Grpc.Core;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Policy.V1;
using Routing.Features;
using Xunit;

namespace Routing.Policy.Tests;

/// <summary>A service whose only version always gives P(large) = 0.8, so every decision is predictable.</summary>
public sealed class ConstantPolicyService : IAsyncLifetime
{
    public string Root { get; } = TestModels.NewDirectory();

    public PolicyServiceInstance Instance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TestModels.WriteConstant(Root, "v1", 0.8);
        Instance = await PolicyServiceInstance.StartAsync(Root);
    }

    public async Task DisposeAsync()
    {
        await Instance.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

public sealed class RouteTests(ConstantPolicyService service) : IClassFixture<ConstantPolicyService>
{
    private PolicyService.PolicyServiceClient Client => service.Instance.Client;

    [Fact]
    public async Task TheNetworksFavouriteWinsWhenEverythingFits()
    {
        var response = await Client.RouteAsync(TestModels.Request());

        Assert.Equal("large", response.Model);
        Assert.Equal(1, response.CandidateIndex);
        Assert.Equal(DecisionReason.Policy, response.Reason);
        Assert.Equal("v1", response.PolicyVersion);
        Assert.Equal(0.8f, response.Probabilities[1], 4);
        Assert.False(response.Stop);
    }

    [Fact]
    public async Task ACandidateThatWouldOverrunTheBudgetIsMasked()
    {
        var response = await Client.RouteAsync(TestModels.Request(remaining: 5_000));

        Assert.Equal("small", response.Model);
        Assert.Equal(DecisionReason.BudgetMask, response.Reason);
    }

    [Fact]
    public async Task NoLargeCallsLeftMasksTheLargeModel()
    {
        var response = await Client.RouteAsync(TestModels.Request(largeCallsLeft: 0));

        Assert.Equal("small", response.Model);
        Assert.Equal(DecisionReason.LargeCap, response.Reason);
    }

    [Fact]
    public async Task LargeCallsLeftDoNotMaskWhileAnyRemain()
    {
        var response = await Client.RouteAsync(TestModels.Request(largeCallsLeft: 1));

        Assert.Equal("large", response.Model);
        Assert.Equal(DecisionReason.Policy, response.Reason);
    }

    [Fact]
    public async Task WhenNothingFitsTheEpisodeStops()
    {
        var response = await Client.RouteAsync(TestModels.Request(remaining: 999));

        Assert.True(response.Stop);
        Assert.Equal(-1, response.CandidateIndex);
        Assert.Equal("", response.Model);
        Assert.Equal(DecisionReason.StopNoModelFits, response.Reason);
    }

    [Fact]
    public async Task ACostPreferenceMovesTheOperatingPointTowardsCheapModels()
    {
        var request = TestModels.Request();
        request.CostPreference = 1.0;

        var response = await Client.RouteAsync(request);

        // Scores: small 0.2 − 1·(1,000 / 20,000) = 0.15; large 0.8 − 1·1 = −0.2.
        Assert.Equal("small", response.Model);
        Assert.Equal(DecisionReason.Policy, response.Reason);
        Assert.Equal(1.0, response.CostPreference);
    }

    [Fact]
    public async Task AmongModelsOfOneTierTheCheaperWinsATie()
    {
        var request = TestModels.Request();
        request.Candidates.Add(new Candidate { Model = "large-cheap", Tier = ModelTier.Large, WorstCaseCostMicros = 10_000 });

        var response = await Client.RouteAsync(request);

        Assert.Equal("large-cheap", response.Model);
    }

    public static TheoryData<string, string> BadRequests() => new()
    {
        { "short-features", "features.values" },
        { "nan", "features.values[3]" },
        { "infinity", "features.values[7]" },
        { "unknown-schema", "features.schema_version" },
        { "no-features", "features" },
        { "no-candidates", "candidates" },
        { "negative-cost", "candidates[1].worst_case_cost_micros" },
        { "unnamed-model", "candidates[0].model" },
        { "no-tier", "candidates[0].tier" },
        { "no-budget", "budget" },
        { "negative-remaining", "budget.remaining_micros" },
        { "negative-large-calls", "budget.large_calls_left" },
        { "negative-lambda", "cost_preference" },
        { "nan-lambda", "cost_preference" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputIsInvalidArgumentNamingTheField(string mutation, string field)
    {
        var request = TestModels.Request();
        switch (mutation)
        {
            case "short-features": request.Features.Values.RemoveAt(0); break;
            case "nan": request.Features.Values[3] = float.NaN; break;
            case "infinity": request.Features.Values[7] = float.PositiveInfinity; break;
            case "unknown-schema": request.Features.SchemaVersion = 2; break;
            case "no-features": request.Features = null; break;
            case "no-candidates": request.Candidates.Clear(); break;
            case "negative-cost": request.Candidates[1].WorstCaseCostMicros = -1; break;
            case "unnamed-model": request.Candidates[0].Model = ""; break;
            case "no-tier": request.Candidates[0].Tier = ModelTier.Unspecified; break;
            case "no-budget": request.Budget = null; break;
            case "negative-remaining": request.Budget.RemainingMicros = -1; break;
            case "negative-large-calls": request.Budget.LargeCallsLeft = -1; break;
            case "negative-lambda": request.CostPreference = -0.5; break;
            case "nan-lambda": request.CostPreference = double.NaN; break;
            default: throw new ArgumentOutOfRangeException(nameof(mutation));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.RouteAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStreamAnswersEveryRequestByIdAndKeepsGoingAfterABadOne()
    {
        using var call = Client.RouteStream();
        const int count = 300;
        for (var i = 0; i < count; i++)
        {
            var request = TestModels.Request(remaining: i % 3 == 0 ? 5_000 : 1_000_000);
            request.RequestId = (ulong)i;
            if (i == 17)
            {
                request.Features.Values.Clear();
            }
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();

        var answers = new Dictionary<ulong, RouteResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer.RequestId, answer);
        }

        Assert.Equal(count, answers.Count);
        Assert.Equal((int)StatusCode.InvalidArgument, answers[17].Error.Code);
        Assert.StartsWith("features.values ", answers[17].Error.Message, StringComparison.Ordinal);
        Assert.Equal("small", answers[3].Model);
        Assert.Equal(DecisionReason.BudgetMask, answers[3].Reason);
        Assert.Equal("large", answers[4].Model);
    }

    [Fact]
    public async Task AStreamCancelledByItsCallerLeavesTheServiceServing()
    {
        using var cancellation = new CancellationTokenSource();
        using (var call = Client.RouteStream(cancellationToken: cancellation.Token))
        {
            for (var i = 0; i < 50; i++)
            {
                await call.RequestStream.WriteAsync(TestModels.Request());
            }
            await call.ResponseStream.MoveNext(CancellationToken.None);
            await cancellation.CancelAsync();
        }

        var response = await Client.RouteAsync(TestModels.Request());

        Assert.Equal("large", response.Model);
    }

    [Fact]
    public async Task PolicyInfoDescribesTheServingVersion()
    {
        var info = await Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        var primary = Assert.Single(info.Versions);
        Assert.Equal("v1", primary.Version);
        Assert.Equal("primary", primary.Role);
        Assert.Equal(1.0, primary.TrafficWeight);
        Assert.Equal(FeatureSchemaV1.Version, primary.FeatureSchemaVersion);
        Assert.Equal(FeatureSchemaV1.Width, primary.FeatureWidth);
        Assert.Equal(["small", "large"], primary.ActionClasses);
        Assert.Equal("CPU", primary.ExecutionProvider);
        Assert.Equal(64, primary.ModelSha256.Length);
    }

    [Fact]
    public async Task MetricsCoverBatchesQueueDecisionsAndVersions()
    {
        await Client.RouteAsync(TestModels.Request());

        var metrics = await service.Instance.MetricsAsync();

        foreach (var name in new[]
        {
            "routing_policy_batch_size_bucket", "routing_policy_queue_depth", "routing_policy_queue_wait_seconds_bucket",
            "routing_policy_inference_seconds_bucket", "routing_policy_decisions_total", "routing_policy_requests_total",
            "routing_policy_model_reloads_total", "routing_policy_serving_version",
        })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }
        Assert.Contains("reason=\"policy\"", metrics, StringComparison.Ordinal);
    }
}
