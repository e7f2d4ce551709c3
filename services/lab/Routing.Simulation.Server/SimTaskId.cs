using System.Globalization;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Server;

/// <summary>
/// The id a request uses to name a simulated task: <c>{domain}-{bin}-{index}</c>, optionally <c>.{attempt}</c>, optionally
/// <c>~{run}</c>, e.g. <c>coding-3-17</c>, <c>search-0-5.2</c> or <c>search-0-5.2~a1b2small</c>. With the server's seed it
/// fixes the task (<see cref="TaskGenerator.Create"/>) and the replay (<c>attempt</c>, default 0) of its episode.
/// </summary>
/// <param name="Run">
/// A label that keeps episodes of the same task and attempt apart and changes nothing about them: the simulator holds one
/// episode per id, and a trainer plays always-small and always-large on the same attempt (common random numbers), and
/// again in every training run. Empty or null: none.
/// </param>
public readonly record struct SimTaskId(Domain Domain, int Bin, long Index, int Attempt, string? Run = null)
{
    /// <summary>Longest id accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>Longest run label accepted.</summary>
    public const int MaxRunLength = 32;

    /// <summary>The canonical text form.</summary>
    public override string ToString()
    {
        var task = Attempt == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{TaskSpace.Name(Domain)}-{Bin}-{Index}")
            : string.Create(CultureInfo.InvariantCulture, $"{TaskSpace.Name(Domain)}-{Bin}-{Index}.{Attempt}");
        return string.IsNullOrEmpty(Run) ? task : task + "~" + Run;
    }

    /// <summary>True when <paramref name="run"/> is a valid run label: 1 to <see cref="MaxRunLength"/> characters of a-z, 0-9, '_'.</summary>
    public static bool IsRunLabel(string run) =>
        run.Length is > 0 and <= MaxRunLength && run.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '_');

    /// <summary>Parses an id; false (with a reason) when it is not of the form <c>{search|coding}-{0..4}-{index}[.{attempt}][~{run}]</c>.</summary>
    public static bool TryParse(string? text, out SimTaskId id, out string reason)
    {
        id = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            reason = $"a task id has 1 to {MaxLength} characters";
            return false;
        }

        reason = $"expected {{search|coding}}-{{bin 0..4}}-{{index ≥ 0}}[.{{attempt ≥ 0}}][~{{run: 1 to {MaxRunLength} of a-z 0-9 _}}], e.g. 'coding-3-17' or 'search-0-5.2'";
        string? run = null;
        var tilde = text.IndexOf('~', StringComparison.Ordinal);
        if (tilde >= 0)
        {
            run = text[(tilde + 1)..];
            if (!IsRunLabel(run))
            {
                return false;
            }

            text = text[..tilde];
        }

        var parts = text.Split('-');
        if (parts.Length != 3)
        {
            return false;
        }

        Domain domain;
        switch (parts[0])
        {
            case "search":
                domain = Domain.Search;
                break;
            case "coding":
                domain = Domain.Coding;
                break;
            default:
                return false;
        }

        if (!IsDigits(parts[1]) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var bin) || bin >= TaskSpace.BinCount)
        {
            return false;
        }

        var rest = parts[2];
        var attempt = 0;
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            var attemptText = rest[(dot + 1)..];
            if (!IsDigits(attemptText) || !int.TryParse(attemptText, NumberStyles.None, CultureInfo.InvariantCulture, out attempt))
            {
                return false;
            }

            rest = rest[..dot];
        }

        if (!IsDigits(rest) || !long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return false;
        }

        id = new SimTaskId(domain, bin, index, attempt, run);
        reason = "";
        return true;
    }

    private static bool IsDigits(string s) => s.Length is > 0 and <= 18 && s.All(char.IsAsciiDigit);
}
