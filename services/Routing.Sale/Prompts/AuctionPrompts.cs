using System.Text;

namespace Routing.Sale.Prompts;

/// <summary>
/// The auction's prompt templates of one version (<c>Prompts/{version}/bid.txt</c>, <c>jury.txt</c>,
/// <c>refine.txt</c>, embedded). Placeholders are <c>{{name}}</c>; a new wording is a new version directory, so
/// recorded auctions stay comparable with the prompts that produced them.
/// </summary>
public sealed class AuctionPrompts
{
    public const string DefaultVersion = "v2";

    private AuctionPrompts(string version, string bid, string jury, string refine)
    {
        Version = version;
        Bid = bid;
        Jury = jury;
        Refine = refine;
    }

    public string Version { get; }

    public string Bid { get; }

    public string Jury { get; }

    public string Refine { get; }

    public static AuctionPrompts Load(string version = DefaultVersion) =>
        new(version, Read(version, "bid"), Read(version, "jury"), Read(version, "refine"));

    /// <summary>Replaces every <c>{{key}}</c>; a placeholder left without a value is a bug in the caller and throws.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var text = new StringBuilder(template);
        foreach (var (key, value) in values)
        {
            text.Replace("{{" + key + "}}", value);
        }

        var rendered = text.ToString();
        var open = rendered.IndexOf("{{", StringComparison.Ordinal);
        return open < 0 ? rendered : throw new ArgumentException($"Prompt placeholder {rendered[open..Math.Min(rendered.Length, open + 24)]} has no value.", nameof(values));
    }

    private static string Read(string version, string name)
    {
        var resource = $"Routing.Sale.Prompts.{version}.{name}.txt";
        using var stream = typeof(AuctionPrompts).Assembly.GetManifestResourceStream(resource)
            ?? throw new ArgumentException($"No prompt '{name}' for version '{version}' (resource {resource}).", nameof(version));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
