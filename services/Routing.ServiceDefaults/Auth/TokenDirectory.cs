namespace Routing.ServiceDefaults.Auth;

/// <summary>
/// Reads a <see cref="TokenSet"/> from a directory. Works on a mounted Kubernetes Secret as it is: the kubelet
/// swaps a <c>..data</c> symlink to publish a new version, the key files are symlinks through it, and the
/// <c>..</c> entries themselves are skipped.
/// </summary>
public static class TokenDirectory
{
    /// <exception cref="InvalidOperationException">The directory is missing, lacks a service token, or holds a token too short.</exception>
    public static TokenSet Read(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidOperationException($"{ServiceAuthOptions.SectionName}:TokenDirectory: '{directory}' does not exist");
        }

        string? service = null;
        string? admin = null;
        var extraService = new List<(string Name, string Token)>();
        var extraAdmin = new List<(string Name, string Token)>();
        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }
            var isService = name.StartsWith(TokenSet.ServiceTokenFile, StringComparison.Ordinal);
            var isAdmin = name.StartsWith(TokenSet.AdminTokenFile, StringComparison.Ordinal);
            if (!isService && !isAdmin)
            {
                continue;
            }

            var token = ReadToken(path);
            switch (name)
            {
                case TokenSet.ServiceTokenFile: service = token; break;
                case TokenSet.AdminTokenFile: admin = token; break;
                default: (isService ? extraService : extraAdmin).Add((name, token)); break;
            }
        }

        if (service is null)
        {
            throw new InvalidOperationException(
                $"{ServiceAuthOptions.SectionName}:TokenDirectory: '{directory}' has no {TokenSet.ServiceTokenFile} file");
        }
        return new TokenSet(service, Ordered(extraService), admin, Ordered(extraAdmin));
    }

    private static string ReadToken(string path)
    {
        // Secrets made with `echo` or `kubectl create secret --from-file` often end in a newline.
        var token = File.ReadAllText(path).Trim();
        if (token.Length < TokenSet.MinimumLength)
        {
            throw new InvalidOperationException($"token file '{path}' holds {token.Length} characters; at least {TokenSet.MinimumLength} are needed");
        }
        return token;
    }

    private static IEnumerable<string> Ordered(List<(string Name, string Token)> tokens) =>
        tokens.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => t.Token);
}
