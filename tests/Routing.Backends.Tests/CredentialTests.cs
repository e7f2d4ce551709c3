using Routing.Backends.Credentials;
using Routing.Testing;

namespace Routing.Backends.Tests;

public sealed class CredentialTests : IAsyncLifetime
{
    private readonly HttpBackendHarness _harness = new();
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _harness.Dispose();
    }

    [Fact]
    public async Task EnvironmentKeyIsSentAsBearerAndReReadOnEveryCall()
    {
        var variable = "ROUTING_TEST_KEY_" + Guid.NewGuid().ToString("N");
        var backend = _harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress, credential: "env:" + variable));
        try
        {
            Environment.SetEnvironmentVariable(variable, "sk-first");
            await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);
            Environment.SetEnvironmentVariable(variable, "sk-rotated");
            await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Equal(["Bearer sk-first", "Bearer sk-rotated"], _server.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task FileKeyIsTrimmedAndARotatedFileIsUsedByTheNextCall()
    {
        var file = Path.Combine(Path.GetTempPath(), "routing-key-" + Guid.NewGuid().ToString("N"));
        var backend = _harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress, credential: "file:" + file));
        try
        {
            await File.WriteAllTextAsync(file, "sk-from-file\n");
            await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);
            await File.WriteAllTextAsync(file, "sk-new");
            await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(["Bearer sk-from-file", "Bearer sk-new"], _server.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task MissingCredentialRejectsTheCallWithoutSendingItOrNamingTheKey()
    {
        var backend = _harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress, credential: "env:ROUTING_TEST_UNSET_" + Guid.NewGuid().ToString("N")));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Equal(BackendFailure.Rejected, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Contains("env:ROUTING_TEST_UNSET_", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("OPENAI_API_KEY", "must start with 'env:' or 'file:'")]
    [InlineData("env:", "must name an environment variable")]
    [InlineData("env:BAD-NAME", "must name an environment variable")]
    [InlineData("file:relative/key", "must name an absolute file path")]
    public void MalformedReferenceIsExplained(string reference, string expected)
    {
        Assert.Contains(expected, CredentialReference.Problem(reference), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("env:OPENAI_API_KEY")]
    [InlineData("file:/var/run/secrets/routing/openai")]
    public void WellFormedReferenceHasNoProblem(string? reference)
    {
        Assert.Null(CredentialReference.Problem(reference));
    }
}
