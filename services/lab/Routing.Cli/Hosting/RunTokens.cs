using System.Security.Cryptography;
using Grpc.Net.Client;
using Routing.ServiceDefaults.Auth;

namespace Routing.Cli.Hosting;

/// <summary>
/// Fresh service and admin tokens for one <c>routing up</c>, in a private temporary directory (0700, files 0600)
/// that every service of the stack reads as its <c>Routing:Auth:TokenDirectory</c>: another user of the machine
/// cannot call the loopback services, and nothing outlives the run.
/// </summary>
public sealed class RunTokens : IDisposable
{
    private RunTokens(string directory, string serviceToken, string adminToken)
    {
        Directory = directory;
        ServiceToken = serviceToken;
        AdminToken = adminToken;
    }

    public string Directory { get; }

    public string ServiceToken { get; }

    public string AdminToken { get; }

    /// <summary>The settings that turn service auth on with these tokens.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        [$"{ServiceAuthOptions.SectionName}:{nameof(ServiceAuthOptions.Mode)}"] = nameof(ServiceAuthMode.Token),
        [$"{ServiceAuthOptions.SectionName}:{nameof(ServiceAuthOptions.TokenDirectory)}"] = Directory,
    };

    public static RunTokens Create()
    {
        // CreateTempSubdirectory makes the directory readable by its owner alone.
        var directory = System.IO.Directory.CreateTempSubdirectory("routing-up-auth-").FullName;
        var tokens = new RunTokens(directory, NewToken(), NewToken());
        Write(directory, TokenSet.ServiceTokenFile, tokens.ServiceToken);
        Write(directory, TokenSet.AdminTokenFile, tokens.AdminToken);
        return tokens;
    }

    /// <summary>A channel whose calls carry the service token, or the admin token for tenant administration.</summary>
    public GrpcChannel OpenChannel(string address, bool admin = false, GrpcChannelOptions? options = null)
    {
        var token = admin ? AdminToken : ServiceToken;
        return GrpcChannel.ForAddress(address, (options ?? new GrpcChannelOptions()).WithToken(() => token));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static void Write(string directory, string name, string token)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600, never readable by others even for an instant.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(Path.Combine(directory, name), options);
        using var writer = new StreamWriter(file);
        writer.Write(token);
    }
}
