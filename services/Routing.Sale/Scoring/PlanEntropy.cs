using Routing.Backends;

namespace Routing.Sale.Scoring;

/// <summary>
/// H: the normalised mean per-token entropy of a plan from its log-probs. Per token, the returned top-k
/// alternatives (plus the chosen token if it is not among them) are renormalised to a distribution p̂ and
/// h = −Σ p̂·ln p̂ / ln k, which lies in [0, 1] whatever k the backend returned; H is the mean of h over the
/// tokens that have at least two alternatives. The tail beyond the top k is ignored, so H measures how spread
/// the likely choices were, not the full entropy. Null when there is nothing to measure.
/// </summary>
public static class PlanEntropy
{
    public static double? Normalised(IReadOnlyList<TokenLogprob>? logprobs)
    {
        if (logprobs is null)
        {
            return null;
        }

        double sum = 0;
        var counted = 0;
        Span<double> p = stackalloc double[64];
        foreach (var token in logprobs)
        {
            var k = 0;
            var chosenListed = false;
            foreach (var alternative in token.TopLogprobs)
            {
                if (k == p.Length)
                {
                    break;
                }

                chosenListed |= alternative.Token == token.Token && alternative.Logprob == token.Logprob;
                p[k++] = Math.Exp(alternative.Logprob);
            }

            if (!chosenListed && k < p.Length)
            {
                p[k++] = Math.Exp(token.Logprob);
            }

            if (k < 2)
            {
                continue;
            }

            double total = 0;
            for (var i = 0; i < k; i++)
            {
                total += p[i];
            }

            if (!(total > 0) || double.IsInfinity(total))
            {
                continue;
            }

            double h = 0;
            for (var i = 0; i < k; i++)
            {
                var q = p[i] / total;
                h -= q > 0 ? q * Math.Log(q) : 0;
            }

            sum += Math.Clamp(h / Math.Log(k), 0, 1);
            counted++;
        }

        return counted == 0 ? null : sum / counted;
    }
}
