using System.Runtime.InteropServices;

namespace Routing.Budget.Tests;

/// <summary>
/// A token directory laid out as the kubelet mounts a Secret: the keys live in a timestamped folder, <c>..data</c>
/// links to it, and each key is a link through <c>..data</c>. <see cref="Publish"/> swaps versions the same way.
/// </summary>
public sealed class SecretDirectory : IDisposable
{
    private int _version;

    public SecretDirectory(IReadOnlyDictionary<string, string> keys)
    {
        Path = Directory.CreateTempSubdirectory("routing-auth-").FullName;
        Publish(keys);
    }

    public string Path { get; }

    /// <summary>Writes a new version and makes it current with one rename of <c>..data</c>, as the kubelet does.</summary>
    public void Publish(IReadOnlyDictionary<string, string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var version = $"..2026_{++_version:D4}";
        Directory.CreateDirectory(System.IO.Path.Combine(Path, version));
        foreach (var (name, value) in keys)
        {
            File.WriteAllText(System.IO.Path.Combine(Path, version, name), value + "\n");
        }

        var staging = System.IO.Path.Combine(Path, "..data_tmp");
        Directory.CreateSymbolicLink(staging, version);
        if (Rename(staging, System.IO.Path.Combine(Path, "..data")) != 0)
        {
            throw new IOException($"rename of {staging} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var name in keys.Keys)
        {
            var link = System.IO.Path.Combine(Path, name);
            if (!File.Exists(link))
            {
                File.CreateSymbolicLink(link, System.IO.Path.Combine("..data", name));
            }
        }
        // Keys that left the Secret lose their link, as in a real mount.
        foreach (var link in Directory.EnumerateFiles(Path))
        {
            var name = System.IO.Path.GetFileName(link);
            if (!name.StartsWith('.') && !keys.ContainsKey(name))
            {
                File.Delete(link);
            }
        }
    }

    /// <summary>rename(2) replaces a link to a directory atomically; File.Move refuses one (it is not a file).</summary>
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
