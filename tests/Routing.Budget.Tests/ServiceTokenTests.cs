using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Routing.ServiceDefaults.Auth;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>Reading, checking and reloading the service tokens, on a directory laid out like a mounted Secret.</summary>
public sealed class ServiceTokenTests
{
    private const string Service = "service-token-aaaaaaaaaaaaaaaa";
    private const string Admin = "admin-token-bbbbbbbbbbbbbbbbbbbb";
    private const string NewService = "service-token-cccccccccccccccc";

    [Fact]
    public void EachTokenGetsItsRoleAndAnyOtherIsRefused()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = Service, ["admin-token"] = Admin });

        var tokens = TokenDirectory.Read(secret.Path);

        Assert.Equal(CallerRole.Service, tokens.Authenticate(Service));
        Assert.Equal(CallerRole.Admin, tokens.Authenticate(Admin));
        Assert.Equal(CallerRole.None, tokens.Authenticate(NewService));
        Assert.Equal(CallerRole.None, tokens.Authenticate(""));
        Assert.Equal(Service, tokens.ServiceToken);
    }

    [Fact]
    public void DirectoryWithoutServiceTokenIsRefused()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["admin-token"] = Admin });

        var error = Assert.Throws<InvalidOperationException>(() => TokenDirectory.Read(secret.Path));

        Assert.Contains("Routing:Auth:TokenDirectory", error.Message, StringComparison.Ordinal);
        Assert.Contains("service-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortTokenIsRefused()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = "short" });

        var error = Assert.Throws<InvalidOperationException>(() => TokenDirectory.Read(secret.Path));

        Assert.Contains("at least 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RotationAddsATokenWhileTheOldOneStillWorks()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = Service });
        var tokens = Start(secret.Path);

        secret.Publish(new Dictionary<string, string> { ["service-token"] = Service, ["service-token-next"] = NewService });
        var changed = tokens.Reload();

        Assert.True(changed);
        Assert.Equal(CallerRole.Service, tokens.Current!.Authenticate(Service));
        Assert.Equal(CallerRole.Service, tokens.Current.Authenticate(NewService));
        Assert.Equal(Service, tokens.Current.ServiceToken);
    }

    [Fact]
    public void SwappedSecretReplacesTheTokens()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = Service });
        var tokens = Start(secret.Path);

        secret.Publish(new Dictionary<string, string> { ["service-token"] = NewService });
        tokens.Reload();

        Assert.Equal(CallerRole.None, tokens.Current!.Authenticate(Service));
        Assert.Equal(CallerRole.Service, tokens.Current.Authenticate(NewService));
        Assert.Equal(NewService, tokens.Current.ServiceToken);
    }

    [Fact]
    public void ReloadOfABrokenSecretKeepsThePreviousTokens()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = Service });
        var tokens = Start(secret.Path);

        secret.Publish(new Dictionary<string, string> { ["admin-token"] = Admin });
        var changed = tokens.Reload();

        Assert.False(changed);
        Assert.Equal(CallerRole.Service, tokens.Current!.Authenticate(Service));
    }

    [Fact]
    public void UnchangedSecretIsNoChange()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = Service, ["admin-token"] = Admin });
        var tokens = Start(secret.Path);

        Assert.False(tokens.Reload());
    }

    [Fact]
    public void TokenModeWithoutDirectoryFailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Start("", ServiceAuthMode.Token));

        Assert.Contains("Routing:Auth:TokenDirectory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OffModeChecksNothingEvenWithADirectory()
    {
        using var secret = new SecretDirectory(new Dictionary<string, string> { ["service-token"] = Service });

        var tokens = Start(secret.Path, ServiceAuthMode.Off);

        Assert.False(tokens.Enabled);
        Assert.Null(tokens.Current);
        Assert.Null(tokens.ServiceToken());
    }

    private static ServiceTokens Start(string directory, ServiceAuthMode mode = ServiceAuthMode.Auto) =>
        new(Microsoft.Extensions.Options.Options.Create(new ServiceAuthOptions { Mode = mode, TokenDirectory = directory }), NullLogger<ServiceTokens>.Instance);
}
