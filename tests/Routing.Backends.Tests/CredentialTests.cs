using Routing.Backends.Credentials;
using Routing.Testing;

namespace Routing.Backends.Tests;

public sealed class CredentialTests : ScriptedServerTest
{
    [Fact]
    public async Task EnvironmentKeyIsSentAsBearerAndReReadOnEveryCall()
    {
        var variable = "ROUTING_TEST_KEY_" + Guid.NewGuid().ToString("N");
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress, credential: "env:" + variable));
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

        Assert.Equal(["Bearer sk-first", "Bearer sk-rotated"], Server.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task FileKeyIsTrimmedAndARotatedFileIsUsedByTheNextCall()
    {
        var file = Path.Combine(Path.GetTempPath(), "routing-key-" + Guid.NewGuid().ToString("N"));
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress, credential: "file:" + file));
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

        Assert.Equal(["Bearer sk-from-file", "Bearer sk-new"], Server.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task MissingCredentialRejectsTheCallWithoutSendingItOrNamingTheKey()
    {
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress, credential: "env:ROUTING_TEST_UNSET_" + Guid.NewGuid().ToString("N")));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Equal(BackendFailure.Rejected, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Contains("env:ROUTING_TEST_UNSET_", failure.Message, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task TheKeyIsNeverLoggedNorPutInAFailure()
    {
        var variable = "ROUTING_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "sk-very-secret-0123");
        try
        {
            Server.Enqueue(ScriptedReply.Error(401, "Incorrect API key provided."));
            var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress, credential: "env:" + variable));

            var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

            Assert.Equal(BackendFailure.Rejected, failure.Failure);
            Assert.NotEmpty(Harness.Logs.Messages);
            Assert.DoesNotContain(Harness.Logs.Messages, m => m.Contains("sk-very-secret", StringComparison.Ordinal));
            Assert.DoesNotContain("sk-very-secret", failure.ToString(), StringComparison.Ordinal);
            Assert.Equal("Bearer sk-very-secret-0123", Server.Requests[0].Header("Authorization"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
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
