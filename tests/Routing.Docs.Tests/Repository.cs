namespace Routing.Docs.Tests;

/// <summary>The checkout these tests read: the folder of Routing.sln above the test binaries.</summary>
internal static class Repository
{
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Routing.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Routing.sln not found above the test binaries");
    }
}
