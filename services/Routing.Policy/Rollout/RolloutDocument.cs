using System.Globalization;
using System.Text.RegularExpressions;
using Routing.Policy.Options;

namespace Routing.Policy.Rollout;

/// <summary>
/// Which model versions serve, as the rollout ConfigMap says: keys <c>primaryVersion</c> (empty: the newest
/// valid version), <c>canaryVersion</c>, <c>canaryWeight</c> (0 to 1) and <c>shadowVersion</c>. A key left
/// out means empty (no canary, no shadow): the ConfigMap describes the whole rollout, not a patch on the
/// static settings.
/// </summary>
public sealed partial record RolloutDocument(string PrimaryVersion, string CanaryVersion, double CanaryWeight, string ShadowVersion)
{
    private static readonly string[] Keys = ["primaryVersion", "canaryVersion", "canaryWeight", "shadowVersion"];

    /// <summary>The settings this rollout overrides, as configuration keys under <c>Routing:Policy</c>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings()
    {
        yield return new($"{PolicyOptions.SectionName}:{nameof(PolicyOptions.PrimaryVersion)}", PrimaryVersion);
        yield return new($"{PolicyOptions.SectionName}:{nameof(PolicyOptions.CanaryVersion)}", CanaryVersion);
        yield return new($"{PolicyOptions.SectionName}:{nameof(PolicyOptions.CanaryWeight)}", CanaryWeight.ToString("R", CultureInfo.InvariantCulture));
        yield return new($"{PolicyOptions.SectionName}:{nameof(PolicyOptions.ShadowVersion)}", ShadowVersion);
    }

    /// <summary>Parses a ConfigMap's data; on failure <paramref name="error"/> names the key and what is wrong.</summary>
    public static RolloutDocument? Parse(IReadOnlyDictionary<string, string> data, out string? error)
    {
        ArgumentNullException.ThrowIfNull(data);
        error = Check(data, out var document);
        return document;
    }

    private static string? Check(IReadOnlyDictionary<string, string> data, out RolloutDocument? document)
    {
        document = null;
        string? error = null;
        foreach (var key in data.Keys)
        {
            if (Array.IndexOf(Keys, key) < 0)
            {
                // A misspelt key would otherwise silently mean "empty".
                return $"unknown key '{key}' (expected {string.Join(", ", Keys)})";
            }
        }
        string Version(string key)
        {
            var value = data.TryGetValue(key, out var v) ? v.Trim() : "";
            if (error is null && !VersionName().IsMatch(value))
            {
                error = $"{key} '{value}' is not a version directory name (letters, digits, '.', '_', '-', at most 64)";
            }
            return value;
        }
        var primary = Version("primaryVersion");
        var canary = Version("canaryVersion");
        var shadow = Version("shadowVersion");
        var weight = 0.0;
        if (data.TryGetValue("canaryWeight", out var weightText) && weightText.Trim().Length > 0
            && (!double.TryParse(weightText.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !(weight >= 0 && weight <= 1)))
        {
            error ??= $"canaryWeight '{weightText}' must be a number from 0 to 1";
        }
        if (error is null && weight > 0 && canary.Length == 0)
        {
            error = "canaryWeight is above 0 but canaryVersion is empty";
        }
        if (error is null)
        {
            document = new RolloutDocument(primary, canary, weight, shadow);
        }
        return error;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{0,64}$")]
    private static partial Regex VersionName();
}
