using System.Text.RegularExpressions;

namespace Routing.Executor.Tenancy;

/// <summary>The tenant naming rule the budget service enforces (tenants name Redis hash tags).</summary>
public static partial class TenantName
{
    public static bool IsValid(string name) => Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Pattern();
}
