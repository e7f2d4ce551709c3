using Microsoft.Extensions.Logging.Abstractions;
using Routing.Executor.Options;
using Routing.Executor.Tenancy;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>A rotated tenants Secret is served without a restart, told by content and not by write time.</summary>
public sealed class TenantDirectoryReloadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("routing-tenants-").FullName;

    [Fact]
    public void ANewVersionWithTheOldWriteTimeIsServedAndABadOneIgnored()
    {
        var path = Path.Combine(_directory, "tenants.json");
        File.WriteAllText(path, TenantKeyFile.Write([("acme", "k1")]));
        var written = File.GetLastWriteTimeUtc(path);
        var tenants = new TenantDirectory(Microsoft.Extensions.Options.Options.Create(new TenantsOptions { File = path }), NullLogger<TenantDirectory>.Instance);

        // The kubelet's ..data swap leaves the key's own link, and the time stat reports for it, as they were.
        File.WriteAllText(path, TenantKeyFile.Write([("acme", "k2")]));
        File.SetLastWriteTimeUtc(path, written);
        Thread.Sleep(TenantDirectory.RecheckInterval + TimeSpan.FromMilliseconds(100));
        var rotated = tenants.TenantOf("k2");
        File.WriteAllText(path, "{\"tenants\": [{\"name\": \"acme\"");
        Thread.Sleep(TenantDirectory.RecheckInterval + TimeSpan.FromMilliseconds(100));
        var afterBad = tenants.TenantOf("k2");

        Assert.Equal("acme", rotated);
        Assert.Null(tenants.TenantOf("k1"));
        Assert.Equal("acme", afterBad);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
