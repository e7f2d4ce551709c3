namespace Routing.Simulation.Sale;

/// <summary>
/// A strategy plan written by a simulated agent: its text cut into tokens (they concatenate back to
/// <see cref="Text"/>), and per token the probability of the chosen token, the rest of the mass spread evenly
/// over the alternatives, so that the plan's normalised top-k entropy is the simulated one.
/// </summary>
public sealed record SimulatedPlan(string Text, IReadOnlyList<string> Tokens, IReadOnlyList<double> ChosenProbabilities)
{
    public int TokenCount => Tokens.Count;

    /// <summary>
    /// The token's top-<paramref name="k"/> log-probabilities (chosen first): the chosen probability and
    /// k − 1 alternatives sharing the rest equally. Empty when k is 0.
    /// </summary>
    public IReadOnlyList<(string Token, double Logprob)> TopLogprobs(int index, int k)
    {
        if (k <= 0)
        {
            return [];
        }

        var p = ChosenProbabilities[index];
        var entries = new List<(string, double)>(k) { (Tokens[index], Math.Log(p)) };
        var rest = k > 1 ? Math.Log((1 - p) / (k - 1)) : 0;
        for (var a = 1; a < k; a++)
        {
            entries.Add((Alternatives[(index + a) % Alternatives.Length], rest));
        }

        return entries;
    }

    private static readonly string[] Alternatives = [" the", " a", ",", ".", " and", " then", "\n", " check", " run", " search", " test", " read", " verify", " first", " each", " source", " file", " step", " fix", " answer"];
}
