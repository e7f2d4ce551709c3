using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Policy.V1;
using Routing.Features;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Options;

namespace Routing.Cli.Bench;

/// <summary>
/// The benchmark's limit: a gRPC service taking the policy's request and answering a canned response of the
/// same shape, with no validation, batching or inference behind it.
/// </summary>
public sealed class PolicyBenchEcho : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PolicyBenchEcho(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    /// <summary>Hosted like every Routing service (same Kestrel set-up, health, reflection, metrics port), so the
    /// ratio measures the policy's own work rather than hosting differences.</summary>
    public static async Task<PolicyBenchEcho> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            [LoggingSetup.FormatKey] = "none",
        });
        builder.AddServiceDefaults(0, 0);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<EchoService>();
        await app.StartAsync(cancellationToken);
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        return new PolicyBenchEcho(app, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{endpoint.GrpcPort}"));
    }

    /// <summary>A representative request: a full schema-v1 feature vector, two candidates, a budget.</summary>
    public static RouteRequest SampleRequest(int seed)
    {
        var random = new Random(seed);
        var state = new StepState
        {
            LimitMicros = 2_000_000,
            SpentMicros = random.Next(0, 1_000_000),
            RemainingMicros = 1_000_000,
            StepIndex = random.Next(0, 30),
            Horizon = 30,
            ContextTokens = random.Next(1_000, 60_000),
            LastAction = PreviousAction.Small,
            RecentErrors = random.Next(0, 3),
            LastStepFailed = random.Next(4) == 0,
        };
        var features = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(state, "find the cheapest flight from Oslo to Lima next week", "search results: 12 flights, prices vary", features);
        var request = new RouteRequest
        {
            TaskId = string.Create(CultureInfo.InvariantCulture, $"bench-task-{seed}"),
            Features = new StepFeatures { SchemaVersion = FeatureSchemaV1.Version },
            Budget = new BudgetState { RemainingMicros = 1_000_000, LargeCallsLeft = 5 },
            RequestId = (ulong)seed,
        };
        request.Features.Values.Add(features);
        request.Candidates.Add(new Candidate { Model = "qwen3-8b", Tier = ModelTier.Small, WorstCaseCostMicros = 2_000 });
        request.Candidates.Add(new Candidate { Model = "qwen3-32b", Tier = ModelTier.Large, WorstCaseCostMicros = 9_000 });
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class EchoService : PolicyEcho.PolicyEchoBase
    {
        private static readonly RouteResponse Canned = CreateCanned();

        public override Task<RouteResponse> Echo(RouteRequest request, ServerCallContext context) => Task.FromResult(Canned);

        private static RouteResponse CreateCanned()
        {
            var response = new RouteResponse
            {
                Model = "qwen3-8b",
                CandidateIndex = 0,
                Reason = DecisionReason.Policy,
                PolicyVersion = "v1",
                CostPreference = 0,
            };
            response.Probabilities.Add([0.7310586f, 0.26894143f]);
            return response;
        }
    }
}
