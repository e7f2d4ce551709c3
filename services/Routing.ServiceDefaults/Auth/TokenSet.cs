using System.Security.Cryptography;
using System.Text;

namespace Routing.ServiceDefaults.Auth;

/// <summary>
/// The tokens of one read of the token directory. Only SHA-256 digests are kept for checking, compared in
/// constant time, so that neither a memory dump of the digests nor response timing gives a token away.
/// </summary>
public sealed class TokenSet
{
    public const string ServiceTokenFile = "service-token";
    public const string AdminTokenFile = "admin-token";

    /// <summary>Shorter tokens are refused: they could be guessed.</summary>
    public const int MinimumLength = 16;

    private readonly byte[][] _service;
    private readonly byte[][] _admin;

    public TokenSet(string serviceToken, IEnumerable<string> extraServiceTokens, string? adminToken, IEnumerable<string> extraAdminTokens)
    {
        ArgumentNullException.ThrowIfNull(extraServiceTokens);
        ArgumentNullException.ThrowIfNull(extraAdminTokens);
        ServiceToken = serviceToken;
        AdminToken = adminToken;
        _service = [Digest(serviceToken), .. extraServiceTokens.Select(Digest)];
        var admin = adminToken is null ? extraAdminTokens : extraAdminTokens.Prepend(adminToken);
        _admin = [.. admin.Select(Digest)];
    }

    /// <summary>The token this process sends to other services.</summary>
    public string ServiceToken { get; }

    /// <summary>The token tenant administration sends; null where this process holds none.</summary>
    public string? AdminToken { get; }

    public int AcceptedCount => _service.Length + _admin.Length;

    public CallerRole Authenticate(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = Digest(presented);
        // Every digest is compared, matched or not, so the time taken does not say which list matched.
        var admin = Matches(_admin, digest);
        var service = Matches(_service, digest);
        return admin ? CallerRole.Admin : service ? CallerRole.Service : CallerRole.None;
    }

    /// <summary>Same tokens in both sets (a reload that found nothing new need not be logged).</summary>
    public bool SameAs(TokenSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ServiceToken == other.ServiceToken && AdminToken == other.AdminToken
            && SameDigests(_service, other._service) && SameDigests(_admin, other._admin);
    }

    private static bool Matches(byte[][] digests, byte[] digest)
    {
        var found = false;
        foreach (var candidate in digests)
        {
            found |= CryptographicOperations.FixedTimeEquals(candidate, digest);
        }
        return found;
    }

    private static bool SameDigests(byte[][] a, byte[][] b) =>
        a.Length == b.Length && a.Zip(b).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second));

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
