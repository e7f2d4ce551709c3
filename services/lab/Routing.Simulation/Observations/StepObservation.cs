using Routing.Simulation.Tasks;

namespace Routing.Simulation.Observations;

/// <summary>
/// What a router may see about one finished step: the numeric signals a feature extractor reads and enough
/// to render the step as text. It carries no hidden state (not the difficulty, not whether the step really
/// succeeded): errors can be silent, warnings can be harmless, confidence is noisy.
/// </summary>
public readonly record struct StepObservation
{
    /// <summary>0-based index of the step in its episode.</summary>
    public int Step { get; init; }

    /// <summary>Index of the agent (in the episode's pool) that made the call.</summary>
    public int Agent { get; init; }

    public ObservationKind Kind { get; init; }

    /// <summary>Transient tool retries the harness made during this step.</summary>
    public int Retries { get; init; }

    /// <summary>The model's self-reported confidence in [0, 1], two decimals, noisy and often overconfident.</summary>
    public float Confidence { get; init; }

    /// <summary>Errors reported in a row up to and including this step.</summary>
    public int ConsecutiveErrors { get; init; }

    public int InputTokens { get; init; }

    public int OutputTokens { get; init; }

    /// <summary>Tokens of tool output appended to the history after this step.</summary>
    public int ObservationTokens { get; init; }

    public long CostMicros { get; init; }

    /// <summary>Selects the wording of rendered text; carries no information about the task.</summary>
    public int Variant { get; init; }

    /// <summary>
    /// The tool output flagged something that needs judgement (sources that disagree, an ambiguous spec, a test the
    /// change did not touch failing). A noisy cue that the next step is pivotal: it fires before most pivotal steps
    /// and before some routine ones (rates in the parameters file); rendered into the tool message.
    /// </summary>
    public bool NeedsJudgement { get; init; }

    public bool IsError => Kind.IsError();

    /// <summary>The tool message this step produced, as an agent framework would log it (allocates).</summary>
    public string RenderToolMessage(Domain domain) => ObservationText.RenderTool(this, domain);

    /// <summary>The assistant's closing line with its self-reported confidence (allocates).</summary>
    public string RenderAssistantMessage(Domain domain) => ObservationText.RenderAssistant(this, domain);

    /// <summary>
    /// The step as one chat reply carries it (assistant line, blank line, <c>Tool output:</c>, tool message): what
    /// the simulator's HTTP backend returns and so what an executor sees as the latest observation (allocates).
    /// </summary>
    public string RenderChatContent(Domain domain) => RenderAssistantMessage(domain) + "\n\nTool output:\n" + RenderToolMessage(domain);
}
