using Routing.Sale.Weights;
using Xunit;

namespace Routing.Sale.Tests;

public sealed class WeightsFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sale-weights-").FullName;

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static SaleWeightsDocument Document(string version, double cost) => new()
    {
        Version = version,
        Cost = cost,
        Entropy = -0.25,
        Jurors = new Dictionary<string, double> { ["a"] = 0.5 },
        DefaultJuror = 0.5,
    };

    [Fact]
    public void AWrittenFileReadsBackTheSameWeights()
    {
        var path = PathOf("w.json");
        SaleWeightsFile.Write(path, Document("v1", 0.75));

        var weights = SaleWeightsFile.Read(path).ToWeights();

        Assert.Equal("v1", weights.Version);
        Assert.Equal(0.75, weights.Cost);
        Assert.Equal(-0.25, weights.Entropy);
        Assert.Equal(0.5, weights.Juror("a"));
        Assert.Equal(0.5, weights.Juror("unknown"));
    }

    [Fact]
    public void ReloadAppliesANewVersionAndKeepsTheLastGoodOneOnABrokenFile()
    {
        var path = PathOf("w.json");
        SaleWeightsFile.Write(path, Document("v1", 0.75));
        using var reloading = new ReloadingSaleWeights(path, TimeSpan.FromHours(1));
        Assert.Equal("v1", reloading.Current.Version);

        SaleWeightsFile.Write(path, Document("v2", 0.1));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        reloading.Reload();
        Assert.Equal("v2", reloading.Current.Version);
        Assert.Null(reloading.LastError);

        File.WriteAllText(path, "{\"version\": \"v3\", \"cost\": -1}");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(10));
        reloading.Reload();
        Assert.Equal("v2", reloading.Current.Version);
        Assert.Contains("cost", reloading.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void ReloadFollowsAConfigMapSymlinkSwap()
    {
        // The kubelet's layout for a mounted ConfigMap: the key is a symlink into ..data, itself a symlink to a
        // timestamped directory; an update writes a new directory and renames a new ..data link over the old
        // one, so the key's own link never changes.
        var first = Directory.CreateDirectory(PathOf("..2026_11_24_01")).FullName;
        SaleWeightsFile.Write(Path.Combine(first, "sale-weights.json"), Document("v1", 0.75));
        Directory.CreateSymbolicLink(PathOf("..data"), "..2026_11_24_01");
        File.CreateSymbolicLink(PathOf("sale-weights.json"), Path.Combine("..data", "sale-weights.json"));
        using var reloading = new ReloadingSaleWeights(PathOf("sale-weights.json"), TimeSpan.FromHours(1));
        Assert.Equal("v1", reloading.Current.Version);

        var second = Directory.CreateDirectory(PathOf("..2026_11_24_02")).FullName;
        SaleWeightsFile.Write(Path.Combine(second, "sale-weights.json"), Document("v2", 0.1));
        File.SetLastWriteTimeUtc(Path.Combine(second, "sale-weights.json"), DateTime.UtcNow.AddSeconds(5));
        // The kubelet renames a new link over ..data (atomic); replacing it is the same to a reload between swaps.
        Directory.Delete(PathOf("..data"));
        Directory.CreateSymbolicLink(PathOf("..data"), "..2026_11_24_02");
        Directory.Delete(first, recursive: true);
        reloading.Reload();

        Assert.Equal("v2", reloading.Current.Version);
        Assert.Null(reloading.LastError);
    }

    [Theory]
    [InlineData("{\"cost\": 1}", "version")]
    [InlineData("{\"version\": \"x\", \"cost\": -0.1}", "cost")]
    [InlineData("{\"version\": \"x\", \"jurors\": {\"a\": -2}}", "jurors.a")]
    public void InvalidFilesAreRefusedNamingTheField(string json, string field)
    {
        var e = Assert.Throws<InvalidDataException>(() => SaleWeightsFile.Parse(json));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
