using System.Text.RegularExpressions;
using Grpc.Core;

namespace Routing.ServiceDefaults.Grpc;

/// <summary>
/// Field checks every service applies the same way. A failure is <c>InvalidArgument</c> whose message starts
/// with the field's name, so a caller knows what to fix.
/// </summary>
public static partial class FieldValidation
{
    public const int MaxIdLength = 256;

    /// <summary>
    /// Largest amount of money one field may carry: one million dollars. Far beyond any agent task, and small
    /// enough that every sum stays exact in Lua's doubles (Redis runs Lua 5.1).
    /// </summary>
    public const long MaxMicros = 1_000_000_000_000;

    /// <summary>Tenants name Redis hash tags (<c>{tenant}</c>), so braces and the like are refused.</summary>
    public static string Tenant(string value) =>
        TenantPattern().IsMatch(value) ? value
            : throw Invalid("tenant", $"must be 1–64 characters of letters, digits, '.', '_' or '-' (got '{Truncate(value)}')");

    /// <summary>Required, at most <see cref="MaxIdLength"/> characters, no control characters.</summary>
    public static string Id(string field, string value)
    {
        if (value.Length == 0)
        {
            throw Invalid(field, "is required");
        }
        if (value.Length > MaxIdLength)
        {
            throw Invalid(field, $"must be at most {MaxIdLength} characters (got {value.Length})");
        }
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw Invalid(field, "must not contain control characters");
            }
        }
        return value;
    }

    public static RpcException Invalid(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex TenantPattern();
}
