using System.Security.Cryptography;
using System.Text;

namespace Routing.Executor.Tenancy;

/// <summary>SHA-256 of an API key, lower-case hex: what the tenants file stores.</summary>
public static class ApiKeyHash
{
    public static string Of(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
}
