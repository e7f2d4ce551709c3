using Grpc.Core;
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
        using var channel = stack.Tokens.OpenChannel(stack.Budget.GrpcAddress);
        var client = new BudgetService.BudgetServiceClient(channel);

        var task = await client.OpenTaskAsync(new OpenTaskRequest { Tenant = "up", TaskId = "t", LimitMicros = 500 });
        var reservation = await client.ReserveAsync(new ReserveRequest { Tenant = "up", TaskId = "t", AmountMicros = 200, IdempotencyKey = "k" });

        Assert.True(stack.RedisIsEmbedded);
        Assert.Equal(500, task.LimitMicros);
        Assert.Equal(300, reservation.Budget.RemainingMicros);
    }

    [Fact]
    public async Task UpServicesRefuseCallsWithoutTheRunsTokens()
    {
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);
        using var anonymous = GrpcChannel.ForAddress(stack.Budget.GrpcAddress);
        using var service = stack.Tokens.OpenChannel(stack.Budget.GrpcAddress);
        using var admin = stack.Tokens.OpenChannel(stack.Budget.GrpcAddress, admin: true);
        var ceiling = new SetTenantCeilingRequest { Tenant = "up-admin", CeilingMicros = 1_000, WindowSeconds = 3_600 };

        var unauthenticated = await Assert.ThrowsAsync<RpcException>(
            () => new BudgetService.BudgetServiceClient(anonymous).OpenTaskAsync(new OpenTaskRequest { Tenant = "up", TaskId = "a", LimitMicros = 5 }).ResponseAsync);
        var denied = await Assert.ThrowsAsync<RpcException>(() => new BudgetService.BudgetServiceClient(service).SetTenantCeilingAsync(ceiling).ResponseAsync);
        var tenant = await new BudgetService.BudgetServiceClient(admin).SetTenantCeilingAsync(ceiling);

        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(1_000, tenant.CeilingMicros);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(stack.Tokens.Directory, "admin-token")));
        }
    }

    [Fact]
    public async Task UpOnARedisThatDoesNotAnswerFailsWithOneMessageNamingTheAddress()
    {
        // A port that was free a moment ago: connections to it are refused.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<RedisUnreachableException>(
            () => LocalStack.StartAsync($"127.0.0.1:{port},password=secret", "127.0.0.1", anyPorts: true, "none", CancellationToken.None));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.DoesNotContain("secret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
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
        Assert.Equal(["budget", "policy", "memory", "executor"], stack.Services.Select(s => s.Name));
    }

    [Fact]
    public async Task UpServesAnOpenAiClientThroughTheExecutorOnTheSimulator()
    {
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri(stack.ExecutorOpenAiAddress + "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", LocalStack.DevApiKey);

        using var opened = await http.PostAsync(new Uri("routing/tasks", UriKind.Relative),
            new StringContent("""{"task_id":"coding-2-7","limit_micros":500000}"""));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent("""{"model":"auto","messages":[{"role":"user","content":"Fix the failing test"}]}"""),
        };
        request.Headers.Add("X-Routing-Task-Id", "coding-2-7");
        using var completion = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, completion.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await completion.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("routing").GetProperty("cost_micros").GetInt64() > 0);
        Assert.Equal("policy", json.RootElement.GetProperty("routing").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task UpUsesTheConfiguredRedisWhenOneIsGiven()
    {
        await using var stack = await LocalStack.StartAsync(TestRedis.ConnectionString, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);

        Assert.False(stack.RedisIsEmbedded);
        Assert.Equal(TestRedis.ConnectionString, stack.RedisConnectionString);
    }
}
