using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Routing.Kubernetes.Hosting;
using Routing.Kubernetes.Watching;
using Routing.Testing;
using Xunit;

namespace Routing.Kubernetes.Tests;

/// <summary>
/// The generic hook a service uses (AddConfigMapKeyWatch → apply(text, source)), hosted in a real host
/// against <see cref="FakeKubernetesApi"/>: the way the executor's agent pool plugs in.
/// </summary>
public sealed class ConfigMapWatchHostingTests : IAsyncLifetime
{
    private const string Section = "Routing:AgentPool:Watch";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static WebApplication Build(Dictionary<string, string?> settings, Action<string, string> apply)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddConfigMapKeyWatch(Section, "agents.json", _ => apply);
        return builder.Build();
    }

    [Fact]
    public async Task TheKeyWatchHandsEachNewDocumentAndItsSourceToTheService()
    {
        var applied = new List<(string Json, string Source)>();
        _api.Put("routing", "routing-executor-agents", new Dictionary<string, string> { ["agents.json"] = "{\"agents\":[1]}" });
        await using var app = Build(new()
        {
            [$"{Section}:ConfigMap"] = "routing-executor-agents",
            [$"{Section}:Namespace"] = "routing",
            [$"{Section}:ApiServer"] = _api.Url,
        }, (json, source) => { lock (applied) { applied.Add((json, source)); } });
        await app.StartAsync();

        await Eventually.ReturnsAsync(() => Task.FromResult(applied.Count), n => n == 1, Patience, "initial pool");
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");
        var version = _api.Put("routing", "routing-executor-agents", new Dictionary<string, string> { ["agents.json"] = "{\"agents\":[2]}" });
        await Eventually.ReturnsAsync(() => Task.FromResult(applied.Count), n => n == 2, Patience, "changed pool");
        await app.StopAsync();

        Assert.Equal("{\"agents\":[2]}", applied[1].Json);
        Assert.Equal($"configmap routing/routing-executor-agents@{version} key agents.json", applied[1].Source);
    }

    [Fact]
    public async Task WithoutAConfigMapNameTheWatchIsOffAndCallsNothing()
    {
        await using var app = Build(new() { [$"{Section}:ApiServer"] = _api.Url }, (_, _) => throw new InvalidOperationException("not expected"));
        await app.StartAsync();
        await app.StopAsync();
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task ABadSettingFailsStartNamingTheKey()
    {
        await using var app = Build(new()
        {
            [$"{Section}:ConfigMap"] = "Not_A_Name",
            [$"{Section}:InitialBackoffMilliseconds"] = "1000",
            [$"{Section}:MaxBackoffMilliseconds"] = "10",
        }, (_, _) => { });
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains($"{Section}:ConfigMap", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingKeyOrADeletedConfigMapKeepsThePreviousDocument()
    {
        var applied = new List<string>();
        var consumer = new ConfigMapKeyConsumer("agents.json", (json, _) => applied.Add(json), NullLogger.Instance);

        consumer.Apply(new ConfigMapSnapshot("routing", "agents", "1", new Dictionary<string, string> { ["agents.json"] = "a" }));
        consumer.Apply(new ConfigMapSnapshot("routing", "agents", "2", new Dictionary<string, string> { ["other.json"] = "b" }));
        consumer.Apply(new ConfigMapSnapshot("routing", "agents", "3", null));

        Assert.Equal(["a"], applied);
    }
}
