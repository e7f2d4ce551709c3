using System.Globalization;
using System.Text.RegularExpressions;
using Routing.Sale.Scoring;

namespace Routing.Sale.Jury;

/// <summary>
/// A juror's answer parsed strictly: one line "Plan N: S" per plan, S an integer 0..5 (optionally written
/// "S/5"). A plan whose line is unparseable, out of range or given twice with different scores is invalid;
/// a plan with no line is missing. Neither is ever guessed.
/// </summary>
public sealed partial class JuryAnswer
{
    private JuryAnswer(int?[] scores, int invalid, int missing)
    {
        Scores = scores;
        Invalid = invalid;
        Missing = missing;
    }

    /// <summary>Per plan (0-based), the score or null.</summary>
    public IReadOnlyList<int?> Scores { get; }

    public int Invalid { get; }

    public int Missing { get; }

    /// <summary>
    /// Output tokens a well-formed verdict needs per plan: "Plan 12: 5" and a newline is about 6 tokens, 10 leaves
    /// room for markdown ("**Plan 12**: 5/5").
    /// </summary>
    public const int TokensPerPlan = 10;

    /// <summary>Room for a short preamble that the parser skips.</summary>
    public const int TokensSlack = 16;

    /// <summary>
    /// max_tokens of a jury call on <paramref name="planCount"/> plans: what the format needs, at most
    /// <paramref name="cap"/>. A verdict cut short loses only the plans it did not reach (counted as missing).
    /// </summary>
    public static int MaxTokens(int planCount, int cap)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(planCount);
        return (int)Math.Min(cap, ((long)TokensPerPlan * planCount) + TokensSlack);
    }

    public static JuryAnswer Parse(string? answer, int planCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(planCount);
        var scores = new int?[planCount];
        var invalid = new bool[planCount];
        foreach (var raw in (answer ?? "").Split('\n'))
        {
            var line = PlanLine().Match(raw);
            if (!line.Success || !int.TryParse(line.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > planCount)
            {
                continue;
            }

            var i = number - 1;
            var score = Score().Match(line.Groups[2].Value);
            if (!score.Success || !int.TryParse(score.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > JuryVote.MaxScore)
            {
                invalid[i] = true;
                continue;
            }

            if (scores[i] is { } previous && previous != value)
            {
                invalid[i] = true;
            }

            scores[i] = value;
        }

        int invalidCount = 0, missing = 0;
        for (var i = 0; i < planCount; i++)
        {
            if (invalid[i])
            {
                scores[i] = null;
                invalidCount++;
            }
            else if (scores[i] is null)
            {
                missing++;
            }
        }

        return new JuryAnswer(scores, invalidCount, missing);
    }

    /// <summary>A line naming a plan: "Plan 2: …", "plan #2 - …", "**Plan 2**: …".</summary>
    [GeneratedRegex(@"^\W*plan\s*#?\s*(\d+)\W*?[:=\-–]\s*(.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PlanLine();

    /// <summary>The score: a lone integer, optionally "/5", optional closing punctuation.</summary>
    [GeneratedRegex(@"^\**\s*(\d+)\s*(?:/\s*5)?\s*\**\s*\.?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Score();
}
