using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Options;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Policy.V1;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Grpc;

namespace Routing.Executor.Pipeline;

/// <summary>gRPC clients of the budget and policy services, one channel each for the process, with client metrics.</summary>
public sealed class ServiceClients : IDisposable
{
    private readonly GrpcChannel _budget;
    private readonly GrpcChannel _policy;

    public ServiceClients(IOptions<ExecutorOptions> options, ServiceTokens tokens, GrpcClientMetricsInterceptor metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokens);
        _budget = Open(options.Value.BudgetAddress, tokens);
        _policy = Open(options.Value.PolicyAddress, tokens);
        Budget = new BudgetService.BudgetServiceClient(_budget.Intercept(metrics));
        Policy = new PolicyService.PolicyServiceClient(_policy.Intercept(metrics));
    }

    public BudgetService.BudgetServiceClient Budget { get; }

    public PolicyService.PolicyServiceClient Policy { get; }

    /// <summary>
    /// <c>dns:///host:port</c> (a headless Service in a cluster) balances round-robin over every address: HTTP/2
    /// would otherwise pin all calls to one pod. <c>http://</c> addresses connect directly. Every call carries
    /// the service token while service auth is on.
    /// </summary>
    public static GrpcChannel Open(string address, ServiceTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var options = new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
        };
        return GrpcChannel.ForAddress(address, options.WithToken(tokens.ServiceToken()));
    }

    public void Dispose()
    {
        _budget.Dispose();
        _policy.Dispose();
    }
}
