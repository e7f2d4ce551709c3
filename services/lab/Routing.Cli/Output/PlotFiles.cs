namespace Routing.Cli.Output;

/// <summary>Where a <c>--plot</c> PNG goes: its folder is created, so that a path into a new folder works.</summary>
public static class PlotFiles
{
    /// <summary>Checks <paramref name="path"/> and creates the folder it names.</summary>
    public static void PrepareDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
    }
}
