using Grpc.Health.V1;
using Grpc.Net.Client;
using Routing.Cli.Hosting;
using Routing.Contracts.Budget.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>What <c>routing up</c> starts: every service, on loopback, on the embedded or a configured Redis.</summary>
public sealed class LocalStackTests
{
    [Fact]
    public async Task UpServesTheBudgetServiceOnTheEmbeddedServer()
    {
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);
        using var channel = GrpcChannel.ForAddress(stack.Budget.GrpcAddress);
        var client = new BudgetService.BudgetServiceClient(channel);

        var task = await client.OpenTaskAsync(new OpenTaskRequest { Tenant = "up", TaskId = "t", LimitMicros = 500 });
        var reservation = await client.ReserveAsync(new ReserveRequest { Tenant = "up", TaskId = "t", AmountMicros = 200, IdempotencyKey = "k" });

        Assert.True(stack.RedisIsEmbedded);
        Assert.Equal(500, task.LimitMicros);
        Assert.Equal(300, reservation.Budget.RemainingMicros);
    }

    [Fact]
    public async Task UpServesEveryServiceWithHealthyReadiness()
    {
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);

        foreach (var service in stack.Services)
        {
            using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "" });
            Assert.True(health.Status == HealthCheckResponse.Types.ServingStatus.Serving, $"{service.Name} is {health.Status}");
        }
        Assert.Equal(["budget", "policy", "memory"], stack.Services.Select(s => s.Name));
    }

    [Fact]
    public async Task UpUsesTheConfiguredRedisWhenOneIsGiven()
    {
        await using var stack = await LocalStack.StartAsync(TestRedis.ConnectionString, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);

        Assert.False(stack.RedisIsEmbedded);
        Assert.Equal(TestRedis.ConnectionString, stack.RedisConnectionString);
    }
}
