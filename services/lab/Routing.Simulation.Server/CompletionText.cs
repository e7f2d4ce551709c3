namespace Routing.Simulation.Server;

/// <summary>One token of a simulated completion with its log-probability and the most likely alternatives.</summary>
public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<(string Token, double Logprob)> Top);

/// <summary>
/// Splits a simulated completion into tokens and gives them deterministic log-probabilities. Tokens are words
/// with their leading space, or single other characters, so they concatenate back to the text (stream chunks are
/// tokens). The chosen token's probability follows the step's self-reported confidence plus noise from a seed
/// fixed by (server seed, task, attempt, step); alternatives share the rest of the mass, each half the last.
/// These are simulator figures with no meaning beyond "confident steps have likelier tokens".
/// </summary>
public static class CompletionText
{
    private static readonly string[] Alternatives = [" the", " a", ",", ".", " and", " to", "\n", " I", " it", " this", " that", " of", " in", " is", " for", " with", " on", " not", " be", " as", " error", " test"];

    /// <summary>The text cut into tokens that concatenate back to it.</summary>
    public static List<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            if (text[i] == ' ' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
            {
                i++;
            }

            if (char.IsLetterOrDigit(text[i]))
            {
                while (i < text.Length && char.IsLetterOrDigit(text[i]))
                {
                    i++;
                }
            }
            else
            {
                i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            }

            tokens.Add(text[start..i]);
        }

        return tokens;
    }

    /// <summary>Log-probabilities of <paramref name="tokens"/>, each with <paramref name="top"/> entries of its most likely tokens.</summary>
    public static List<TokenLogprob> Logprobs(IReadOnlyList<string> tokens, double confidence, ulong seed, int top)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var state = seed;
        var result = new List<TokenLogprob>(tokens.Count);
        var baseLogit = 1.5 + (3.0 * (confidence - 0.5));
        for (var t = 0; t < tokens.Count; t++)
        {
            var p = 1.0 / (1.0 + Math.Exp(-(baseLogit + Gaussian(ref state))));
            p = Math.Clamp(p, 0.02, 0.9999);
            var entries = new List<(string, double)>(top);
            if (top > 0)
            {
                entries.Add((tokens[t], Math.Log(p)));
                var rest = 1 - p;
                var offset = (int)(Next(ref state) % (ulong)Alternatives.Length);
                for (var k = 0; entries.Count < top && k < Alternatives.Length; k++)
                {
                    var alternative = Alternatives[(offset + k) % Alternatives.Length];
                    if (alternative == tokens[t])
                    {
                        continue;
                    }

                    rest /= 2;
                    entries.Add((alternative, Math.Log(rest)));
                }

                entries.Sort(static (a, b) => b.Item2.CompareTo(a.Item2));
            }

            result.Add(new TokenLogprob(tokens[t], Math.Log(p), entries));
        }

        return result;
    }

    /// <summary>A log-probability as the server writes it (6 decimals), so in-process callers see the same figures as HTTP ones.</summary>
    public static double WireLogprob(double logprob) => Math.Round(logprob, 6);

    /// <summary>Mixes values into one seed (SplitMix64 finaliser), for per-step streams.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var z = a ^ (b * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state, 0);
    }

    private static double Gaussian(ref ulong state)
    {
        var u1 = ((Next(ref state) >> 11) + 1) * (1.0 / 9007199254740993.0);
        var u2 = (Next(ref state) >> 11) * (1.0 / 9007199254740992.0);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
