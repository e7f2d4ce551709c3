using System.Text.RegularExpressions;
using Grpc.Core;

namespace Routing.Budget.Grpc;

/// <summary>Field checks shared by the budget RPCs. A failure is <c>InvalidArgument</c> naming the field.</summary>
public static partial class RequestValidation
{
    /// <summary>
    /// Largest amount one task, reservation or commit may carry: one million dollars. Far beyond any agent
    /// task, and small enough that every sum stays exact in Lua's doubles (Redis runs Lua 5.1).
    /// </summary>
    public const long MaxMicros = 1_000_000_000_000;

    /// <summary>Largest tenant ceiling: ten million dollars per window.</summary>
    public const long MaxCeilingMicros = 10 * MaxMicros;

    public const int MaxIdLength = 256;

    public static string Tenant(string value) =>
        TenantPattern().IsMatch(value) ? value
            : throw Invalid("tenant", $"must be 1–64 characters of letters, digits, '.', '_' or '-' (got '{Truncate(value)}')");

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

    public static long PositiveMicros(string field, long value, long max = MaxMicros) =>
        value > 0 && value <= max ? value : throw Invalid(field, $"must be > 0 and ≤ {max} (got {value})");

    public static long NonNegativeMicros(string field, long value, long max = MaxMicros) =>
        value >= 0 && value <= max ? value : throw Invalid(field, $"must be ≥ 0 and ≤ {max} (got {value})");

    /// <summary>0 means the service default; otherwise between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static int SecondsOrDefault(string field, int value, int defaultValue, int min, int max)
    {
        if (value == 0)
        {
            return defaultValue;
        }
        return value >= min && value <= max ? value : throw Invalid(field, $"must be 0 (default) or between {min} and {max} (got {value})");
    }

    public static int? LargeCallCap(int? value) =>
        value is null or >= 0 and <= 100_000 ? value : throw Invalid("large_call_cap", $"must be between 0 and 100000 when set (got {value})");

    public static RpcException Invalid(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex TenantPattern();
}
