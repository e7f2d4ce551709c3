namespace Routing.Backends.Credentials;

/// <summary>
/// Where an agent's API key comes from: <c>env:NAME</c> (an environment variable) or <c>file:/path</c> (a file,
/// e.g. a mounted Kubernetes Secret key). The reference is configuration; the key is read at call time, so a
/// rotated secret is used by the next call without a restart, and it is never logged or kept.
/// </summary>
public static class CredentialReference
{
    private const string EnvPrefix = "env:";
    private const string FilePrefix = "file:";

    /// <summary>Why <paramref name="reference"/> is malformed, or null when it is well formed (or absent).</summary>
    public static string? Problem(string? reference)
    {
        if (reference is null)
        {
            return null;
        }

        if (reference.StartsWith(EnvPrefix, StringComparison.Ordinal))
        {
            var name = reference[EnvPrefix.Length..];
            return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
                ? null
                : $"'{reference}' must name an environment variable of letters, digits and '_' (env:OPENAI_API_KEY)";
        }

        if (reference.StartsWith(FilePrefix, StringComparison.Ordinal))
        {
            return Path.IsPathFullyQualified(reference[FilePrefix.Length..])
                ? null
                : $"'{reference}' must name an absolute file path (file:/var/run/secrets/routing/openai)";
        }

        return $"'{reference}' must start with 'env:' or 'file:'";
    }

    /// <summary>
    /// Reads the key now. Throws <see cref="BackendException"/> (<see cref="BackendFailure.Rejected"/>, not billed)
    /// when the variable or file is missing or empty: the request is never sent without its credential.
    /// </summary>
    public static async ValueTask<string?> ResolveAsync(string? reference, string agent, CancellationToken cancellationToken)
    {
        if (reference is null)
        {
            return null;
        }

        string? key;
        if (reference.StartsWith(EnvPrefix, StringComparison.Ordinal))
        {
            key = Environment.GetEnvironmentVariable(reference[EnvPrefix.Length..]);
        }
        else if (reference.StartsWith(FilePrefix, StringComparison.Ordinal))
        {
            try
            {
                key = await File.ReadAllTextAsync(reference[FilePrefix.Length..], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BackendException(BackendFailure.Rejected, $"Agent '{agent}': cannot read the credential {reference}: {e.Message}", mayHaveBeenBilled: false, e);
            }
        }
        else
        {
            throw new BackendException(BackendFailure.Rejected, $"Agent '{agent}': credential reference {Problem(reference)}", mayHaveBeenBilled: false);
        }

        key = key?.Trim();
        return string.IsNullOrEmpty(key)
            ? throw new BackendException(BackendFailure.Rejected, $"Agent '{agent}': the credential {reference} is not set or empty", mayHaveBeenBilled: false)
            : key;
    }
}
