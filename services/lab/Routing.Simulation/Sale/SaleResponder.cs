using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Routing.Simulation.Agents;
using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Sale;

/// <summary>
/// Answers SALE auction calls as simulated agents would: bids (strategy plans), jury verdicts and refined bids.
/// Plan length, plan entropy and jury scores follow the bidder's hidden margin on the task noisily; a refined
/// plan that draws on same-domain past plans raises the bidder's skill on the task by a modest bonus. Nothing
/// else about the task leaks: callers see only plan text, token counts, log-probabilities and scores.
/// Deterministic in (task, agent, refinement level, juror) and thread-safe.
/// </summary>
/// <remarks>
/// Every simulated plan carries an opaque reference (<c>[ref 16 hex digits]</c>) from which the simulator, and
/// only for the task it was written for, recovers its author and refinement level: this is how a simulated
/// juror "reads" a plan and how an episode knows it follows a refined plan. The auction never parses it.
/// </remarks>
public sealed partial class SaleResponder
{
    private const ulong RefKeySalt = 0x5A1E_5A1E_0000_0001UL;

    private static readonly string[] SearchWords = ["search", "the", "official", "archive", "for", "the", "primary", "source", "then", "cross-check", "dates", "against", "a", "second", "index", "and", "cite", "both", "narrow", "queries", "by", "year", "read", "the", "abstract", "before", "following", "links"];
    private static readonly string[] CodingWords = ["reproduce", "the", "failure", "with", "a", "minimal", "test", "read", "the", "module", "then", "patch", "the", "smallest", "function", "run", "the", "suite", "check", "edge", "cases", "keep", "the", "public", "API", "and", "add", "a", "regression", "test"];

    /// <summary>
    /// Plan words cut into sub-word tokens of at most <see cref="PieceChars"/> characters (leading space included),
    /// about 4 characters a token as real tokenizers give English. A plan of N completion tokens then has about 4N
    /// characters, so quoted in a jury or refine prompt (billed at 4 characters a token, <see cref="PromptTokens"/>)
    /// it costs the N tokens it was written in; whole words as tokens made quoted plans cost 1.6 times that.
    /// </summary>
    private const int PieceChars = 5;

    private static readonly string[][] SearchPieces = [.. SearchWords.Select(w => Pieces(" " + w))];
    private static readonly string[][] CodingPieces = [.. CodingWords.Select(w => Pieces(" " + w))];

    private readonly SimulatorModel _model;
    private readonly AgentPool _pool;
    private readonly SaleSignalParameters _p;

    public SaleResponder(SimulatorModel model, AgentPool pool, SaleSignalParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pool);
        _model = model;
        _pool = pool;
        _p = parameters ?? SaleSignalParameters.Default;
    }

    public SaleSignalParameters Parameters => _p;

    /// <summary>Prompt tokens the simulator bills for a prompt: one per four characters, at least one.</summary>
    public static int PromptTokens(string prompt) => Math.Max(1, ((prompt?.Length ?? 0) + 3) / 4);

    /// <summary>The first strategy plan of <paramref name="agent"/> (pool index) for the task.</summary>
    public SimulatedPlan Bid(in SimTask task, int agent) => Plan(task, agent, level: 0);

    /// <summary>
    /// A refined plan: the prompt's same-domain plans written for other tasks (the contrastive pairs the auction
    /// retrieved from memory) set the refinement level, up to <see cref="SaleSignalParameters.RefinePairsForFullBonus"/> pairs.
    /// </summary>
    public SimulatedPlan Refine(in SimTask task, int agent, string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var domain = TaskSpace.Name(task.Domain);
        var foreign = 0;
        foreach (Match m in PlanReference().Matches(prompt))
        {
            if (m.Groups[1].Value == domain && Decode(task, m.Groups[2].Value) is null)
            {
                foreign++;
            }
        }

        return Plan(task, agent, Math.Min(foreign / 2, _p.RefinePairsForFullBonus));
    }

    /// <summary>
    /// A juror's verdict on the plans quoted in <paramref name="prompt"/>, numbered in order of appearance:
    /// one line <c>Plan i: score</c> each (0–5), or now and then an unusable line.
    /// </summary>
    public string Judge(in SimTask task, int juror, string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var rng = new Xoshiro256(Xoshiro256.Mix(Xoshiro256.Mix(task.Seed, 0x3A11), ((ulong)juror * 7919) + StableHash(prompt)));
        var fraction = _pool.Count == 1 ? 1.0 : (double)juror / (_pool.Count - 1);
        var noise = _p.JuryNoiseSmallest + ((_p.JuryNoiseLargest - _p.JuryNoiseSmallest) * fraction);
        var malformed = _p.JuryMalformedRateSmallest + ((_p.JuryMalformedRateLargest - _p.JuryMalformedRateSmallest) * fraction);
        var text = new StringBuilder();
        var number = 0;
        foreach (Match m in PlanReference().Matches(prompt))
        {
            number++;
            var author = Decode(task, m.Groups[2].Value);
            if (rng.NextDouble() < malformed)
            {
                text.Append(CultureInfo.InvariantCulture, $"Plan {number}: {(rng.NextDouble() < 0.5 ? "hard to say, it depends on the sources" : "7/5")}\n");
                continue;
            }

            // A plan the simulator did not write for this task (or for no task) is judged on a neutral margin.
            var z = author is { } a ? Margin(task, a.Agent, a.Level) : _p.MarginReference;
            var own = author is { } o && o.Agent == juror ? _p.JurySelfBias : 0;
            var raw = _p.JuryIntercept + (_p.JurySlope * (z - _p.MarginReference)) + own + (noise * rng.NextGaussian());
            text.Append(CultureInfo.InvariantCulture, $"Plan {number}: {Math.Clamp((int)Math.Round(raw), 0, 5)}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The skill bonus (logits) an episode of <paramref name="agent"/> on the task gets from following
    /// <paramref name="plan"/>: the refinement bonus when it is that agent's refined plan for this task, else 0.
    /// </summary>
    public double PlanBonus(in SimTask task, int agent, string plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var m = PlanReference().Match(plan);
        return m.Success && Decode(task, m.Groups[2].Value) is { } author && author.Agent == agent ? Bonus(author.Level) : 0;
    }

    private double Bonus(int level) => _p.RefineBonusMax * level / _p.RefinePairsForFullBonus;

    // The same hidden margin that drives the bidder's steps, task–agent affinity included, so plans and scores follow
    // the bidder's true chance on this task rather than only its capability.
    private double Margin(in SimTask task, int agent, int level) =>
        _model.Margin(task, _pool[agent]) + Bonus(level);

    private SimulatedPlan Plan(in SimTask task, int agent, int level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agent);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(agent, _pool.Count);
        var rng = new Xoshiro256(Xoshiro256.Mix(Xoshiro256.Mix(task.Seed, 0x9_1A4), (ulong)((agent * 64) + level)));
        var z = Margin(task, agent, level) - _p.MarginReference;
        var length = (int)Math.Round(_p.PlanTokensMedian * Math.Exp((-_p.PlanTokensSlope * z) + (_p.PlanTokensSigma * rng.NextGaussian())));
        length = Math.Clamp(length, _p.PlanTokensMin, _p.PlanTokensMax);
        var entropy = 1.0 / (1.0 + Math.Exp(-(_p.EntropyIntercept - (_p.EntropySlope * z) + (_p.EntropySigma * rng.NextGaussian()))));

        var domain = TaskSpace.Name(task.Domain);
        var tokens = new List<string>(length)
        {
            "Plan", " for", " a", " " + domain, " task", " [", "ref", " " + Encode(task, agent, level), "]", ":",
        };
        var words = task.Domain == Domain.Search ? SearchPieces : CodingPieces;
        var stepNumber = 1;
        var sinceStep = 0;
        var word = Array.Empty<string>();
        var piece = 0;
        while (tokens.Count < length)
        {
            if (piece == word.Length && sinceStep >= 11)
            {
                // A new numbered step every dozen tokens or so, between words.
                tokens.Add("\n" + stepNumber.ToString(CultureInfo.InvariantCulture) + ".");
                stepNumber++;
                sinceStep = 0;
                continue;
            }

            if (piece == word.Length)
            {
                word = words[rng.NextInt(words.Length)];
                piece = 0;
            }

            tokens.Add(word[piece++]);
            sinceStep++;
        }

        var probabilities = new double[tokens.Count];
        for (var t = 0; t < probabilities.Length; t++)
        {
            var h = Math.Clamp(entropy + (_p.EntropyTokenSigma * rng.NextGaussian()), 0.01, 0.99);
            probabilities[t] = ChosenProbabilityFor(h, TopK);
        }

        return new SimulatedPlan(string.Concat(tokens), tokens, probabilities);
    }

    private static string[] Pieces(string word) =>
        [.. Enumerable.Range(0, (word.Length + PieceChars - 1) / PieceChars).Select(i => word.Substring(i * PieceChars, Math.Min(PieceChars, word.Length - (i * PieceChars))))];

    /// <summary>Top-k size the plan's entropy is defined over (what the auction asks for).</summary>
    public const int TopK = 5;

    /// <summary>The chosen-token probability p whose top-k distribution (p, and (1 − p)/(k − 1) for each alternative) has normalised entropy h.</summary>
    internal static double ChosenProbabilityFor(double h, int k)
    {
        double lo = 1.0 / k, hi = 1.0 - 1e-9;
        for (var i = 0; i < 40; i++)
        {
            var mid = (lo + hi) / 2;
            if (NormalisedEntropy(mid, k) > h)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }

    private static double NormalisedEntropy(double p, int k)
    {
        var q = (1 - p) / (k - 1);
        return (-(p * Math.Log(p)) - ((k - 1) * q * Math.Log(q))) / Math.Log(k);
    }

    /// <summary>FNV-1a of the prompt: string.GetHashCode is randomised per process and would break determinism.</summary>
    private static ulong StableHash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    private static ulong RefKey(in SimTask task) => Xoshiro256.Mix(task.Seed, RefKeySalt);

    private static string Encode(in SimTask task, int agent, int level) =>
        (RefKey(task) ^ (((ulong)agent << 8) | (uint)level)).ToString("x16", CultureInfo.InvariantCulture);

    private (int Agent, int Level)? Decode(in SimTask task, string hex)
    {
        if (!ulong.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var code = value ^ RefKey(task);
        if (code >> 16 != 0)
        {
            return null;
        }

        var agent = (int)(code >> 8);
        var level = (int)(code & 0xFF);
        return agent < _pool.Count && level <= _p.RefinePairsForFullBonus ? (agent, level) : null;
    }

    [GeneratedRegex(@"Plan for a (search|coding) task \[ref ([0-9a-f]{16})\]", RegexOptions.CultureInvariant)]
    private static partial Regex PlanReference();
}
