using Routing.Executor.Tenancy;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>The tenants file's default budgets and the merge <c>routing up --tenants</c> serves.</summary>
public sealed class TenantFileTests
{
    [Fact]
    public void DefaultBudgetsAreReadPerTenant()
    {
        var json = TenantKeyFile.Write([("acme", "k1"), ("globex", "k2")], new Dictionary<string, TenantSettings> { ["acme"] = new(500_000, 20_000) });

        var table = TenantKeyFile.Parse(json, "test");

        Assert.Equal(new TenantSettings(500_000, 20_000), table.Settings["acme"]);
        Assert.Equal(TenantSettings.None, table.Settings["globex"]);
        Assert.Equal("globex", table.ByHash[ApiKeyHash.Of("k2")]);
    }

    [Fact]
    public void ANonPositiveDefaultBudgetIsNamed()
    {
        var json = """{"tenants":[{"name":"acme","apiKeySha256":["{{hash}}"],"defaultRequestBudgetMicros":0}]}""".Replace("{{hash}}", ApiKeyHash.Of("k"), StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => TenantKeyFile.Parse(json, "tenants.json"));

        Assert.Contains("tenants[0].defaultRequestBudgetMicros", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddedTenantsAreServedBesideTheCommandsOwnAndMayNotTakeItsName()
    {
        var mine = TenantKeyFile.Write([("acme", "k1")], new Dictionary<string, TenantSettings> { ["acme"] = new(1_000, null) });

        var merged = TenantKeyFile.Parse(TenantKeyFile.WithTenant(mine, "mine.json", "dev", "sk-dev"), "merged");
        var clash = Assert.Throws<InvalidDataException>(() => TenantKeyFile.WithTenant(TenantKeyFile.Write([("dev", "k9")]), "mine.json", "dev", "sk-dev"));

        Assert.Equal("dev", merged.ByHash[ApiKeyHash.Of("sk-dev")]);
        Assert.Equal(1_000, merged.Settings["acme"].DefaultTaskBudgetMicros);
        Assert.Contains("'dev' is reserved", clash.Message, StringComparison.Ordinal);
    }
}
