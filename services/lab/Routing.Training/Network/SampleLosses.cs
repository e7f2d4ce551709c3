using Routing.Training.Rollouts;

namespace Routing.Training.Network;

/// <summary>A per-sample loss: given the forward pass of the sample, returns its loss and writes dLoss/dLogits.</summary>
public interface ISampleLoss
{
    /// <param name="pass">The trained network, already run forward on the sample.</param>
    /// <param name="reference">The reference (SFT) network's probabilities on the sample, when the loss uses one.</param>
    double Evaluate(MlpPass pass, StepSample sample, ReadOnlySpan<float> reference, Span<float> logitGradient);

    /// <summary>Whether <see cref="Evaluate"/> needs the reference probabilities.</summary>
    bool UsesReference { get; }
}

/// <summary>Behaviour cloning: weighted cross-entropy −w·log π(a|s); dL/dz = w·(π − onehot(a)).</summary>
public sealed class WeightedCrossEntropy : ISampleLoss
{
    public bool UsesReference => false;

    public double Evaluate(MlpPass pass, StepSample sample, ReadOnlySpan<float> reference, Span<float> logitGradient)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(sample);
        var p = pass.Probabilities;
        var w = sample.Weight;
        for (var j = 0; j < p.Length; j++)
        {
            logitGradient[j] = w * (p[j] - (j == sample.Action ? 1f : 0f));
        }

        return -w * Math.Log(Math.Max(p[sample.Action], 1e-30));
    }
}

/// <summary>
/// BoPO's per-step objective (to minimise): −min(ρ·A, clip(ρ, 1−ε, 1+ε)·A) + β·KL(π ‖ π_ref), with
/// ρ = π(a|s)/π_old(a|s) and the advantage A in <see cref="StepSample.Weight"/>.
/// Gradients: d(−ρA)/dz = −A·ρ·(onehot(a) − π) when the unclipped term is the minimum, else 0;
/// dKL/dz_j = π_j·(log π_j − log π_ref,j − KL).
/// </summary>
public sealed class ClippedPolicyGradient(double clip, double klWeight) : ISampleLoss
{
    public bool UsesReference => klWeight > 0;

    public double Evaluate(MlpPass pass, StepSample sample, ReadOnlySpan<float> reference, Span<float> logitGradient)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(sample);
        var p = pass.Probabilities;
        var a = sample.Action;
        var advantage = (double)sample.Weight;
        var logP = Math.Log(Math.Max(p[a], 1e-30));
        var ratio = Math.Exp(logP - sample.BehaviourLogProbability);
        var clipped = Math.Clamp(ratio, 1 - clip, 1 + clip);
        var unclippedTerm = ratio * advantage;
        var clippedTerm = clipped * advantage;
        var loss = -Math.Min(unclippedTerm, clippedTerm);
        var active = unclippedTerm <= clippedTerm;
        for (var j = 0; j < p.Length; j++)
        {
            logitGradient[j] = active ? (float)(-advantage * ratio * ((j == a ? 1.0 : 0.0) - p[j])) : 0f;
        }

        if (klWeight > 0)
        {
            var kl = 0.0;
            for (var j = 0; j < p.Length; j++)
            {
                kl += p[j] * (Math.Log(Math.Max(p[j], 1e-30)) - Math.Log(Math.Max(reference[j], 1e-30)));
            }

            for (var j = 0; j < p.Length; j++)
            {
                var g = p[j] * (Math.Log(Math.Max(p[j], 1e-30)) - Math.Log(Math.Max(reference[j], 1e-30)) - kl);
                logitGradient[j] += (float)(klWeight * g);
            }

            loss += klWeight * kl;
        }

        return loss;
    }
}
