namespace Routing.Outcomes.Tests;

/// <summary>A temporary directory for hand-written outcome files and price tables, deleted on dispose.</summary>
internal sealed class TempFiles : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("routing-outcomes-");

    public string Write(string name, string content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    public string PathOf(string name) => Path.Combine(_directory.FullName, name);

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>A price table for models a (cheap) and b (dear).</summary>
    public string PricesAB() => Write("prices.json", """
        {"a": {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 2.0, "size": "7B"},
         "b": {"input_usd_per_mtok": 10.0, "output_usd_per_mtok": 20.0}}
        """);
}
