using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary>A test class with its own scripted OpenAI server on loopback and the HTTP backend stack with test settings.</summary>
public abstract class ScriptedServerTest : IAsyncLifetime
{
    internal HttpBackendHarness Harness { get; } = new();

    protected ScriptedOpenAiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ScriptedOpenAiServer.StartAsync();

    /// <summary>The call failed as <paramref name="kind"/>, said honestly whether it may have been billed, and reached the server once.</summary>
    protected void AssertFailedOnce(BackendException failure, BackendFailure kind, bool billed)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Assert.Equal(kind, failure.Failure);
        Assert.Equal(billed, failure.MayHaveBeenBilled);
        Assert.Single(Server.Requests);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Harness.Dispose();
    }
}
