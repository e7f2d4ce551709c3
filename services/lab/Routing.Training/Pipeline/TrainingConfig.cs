using System.Text.Json;
using System.Text.Json.Serialization;

namespace Routing.Training.Pipeline;

/// <summary>
/// Hyper-parameters of <c>routing train policy</c> (JSON, snake_case; every field optional, defaults below).
/// docs/training.md explains each one and the formulas they enter.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Master seed: task set, initial weights, sampling and shuffling all derive from it.</summary>
    public ulong Seed { get; set; } = 20_261_123;

    /// <summary>Training tasks per domain × bin cell (10 cells). Must not use the benchmark's held-out seed.</summary>
    public int TrainingTasksPerCell { get; set; } = 300;

    /// <summary>Validation tasks per cell (their own seed, Seed + 1), for the metrics in the manifest.</summary>
    public int ValidationTasksPerCell { get; set; } = 100;

    /// <summary>K: runs of each boundary policy per task.</summary>
    public int BoundaryAttempts { get; set; } = 5;

    /// <summary>A boundary policy "succeeds" on a task when its success rate over the K runs is at least this.</summary>
    public double TaxonomyThreshold { get; set; } = 0.5;

    /// <summary>
    /// Share of training and validation tasks auctioned (SALE on the step pair, untrained weights) before they are
    /// played, their outcome shown in feature slots 20–22; the rest show no auction, so the policy serves tasks
    /// with and without one. 0: no auctions (policies up to v3). Needs an auction source (the CLI's, on the simulator);
    /// an episode log (<c>--episodes</c>) carries the auction features its episodes had instead.
    /// </summary>
    public double AuctionShare { get; set; } = 0.5;

    public NetworkConfig Network { get; set; } = new();

    public SftConfig Sft { get; set; } = new();

    public BopoConfig Bopo { get; set; } = new();

    /// <summary>Worker threads for rollouts and gradients; results do not depend on it.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (TrainingTasksPerCell is < 1 or > 100_000)
        {
            problems.Add("training_tasks_per_cell must be between 1 and 100000");
        }

        if (ValidationTasksPerCell is < 1 or > 100_000)
        {
            problems.Add("validation_tasks_per_cell must be between 1 and 100000");
        }

        if (BoundaryAttempts is < 1 or > 100)
        {
            problems.Add("boundary_attempts must be between 1 and 100");
        }

        if (TaxonomyThreshold is <= 0 or > 1 || double.IsNaN(TaxonomyThreshold))
        {
            problems.Add("taxonomy_threshold must be in (0, 1]");
        }

        if (Network.Hidden.Count == 0 || Network.Hidden.Any(h => h is < 1 or > 1024))
        {
            problems.Add("network.hidden must list 1 to n layer widths between 1 and 1024");
        }

        if (Network.Activation is not ("relu" or "tanh"))
        {
            problems.Add("network.activation must be 'relu' or 'tanh'");
        }

        if (Sft.SweepLevels is < 1 or > 100)
        {
            problems.Add("sft.sweep_levels must be between 1 and 100");
        }

        if (Sft.Epochs is < 0 or > 1000 || Sft.BatchSize is < 1 or > 65_536 || !(Sft.LearningRate > 0))
        {
            problems.Add("sft.epochs must be 0..1000, sft.batch_size 1..65536 and sft.learning_rate > 0");
        }

        if (Sft.ClassShares.Easy < 0 || Sft.ClassShares.Hard < 0 || Sft.ClassShares.Intractable < 0
            || Sft.ClassShares.Easy + Sft.ClassShares.Hard + Sft.ClassShares.Intractable <= 0)
        {
            problems.Add("sft.class_shares must be ≥ 0 and not all 0");
        }

        if (Bopo.Iterations is < 0 or > 100_000 || Bopo.TasksPerIteration < 1 || Bopo.GroupSize is < 2 or > 1024)
        {
            problems.Add("bopo.iterations must be 0..100000, bopo.tasks_per_iteration ≥ 1 and bopo.group_size 2..1024");
        }

        if (Bopo.Clip is <= 0 or >= 1 || Bopo.KlWeight < 0 || Bopo.CostWeight < 0 || Bopo.CostWeightUnderLimits < 0 || Bopo.HardBonus < 0 || !(Bopo.LearningRate > 0)
            || Bopo.Epochs < 1 || Bopo.BatchSize < 1)
        {
            problems.Add("bopo: clip in (0, 1), kl_weight, cost_weight, cost_weight_under_limits, hard_bonus ≥ 0, learning_rate > 0, epochs and batch_size ≥ 1");
        }

        if (Bopo.ConstrainedShare is < 0 or > 1 || Bopo.LargeCaps.Any(k => k < 0) || Bopo.BudgetsMicros.Any(b => b <= 0))
        {
            problems.Add("bopo.constrained_share must be in [0, 1], bopo.large_caps ≥ 0 and bopo.budgets_micros > 0");
        }

        if (Threads is < 1 or > 1024)
        {
            problems.Add("threads must be between 1 and 1024");
        }

        if (AuctionShare is < 0 or > 1 || double.IsNaN(AuctionShare))
        {
            problems.Add("auction_share must be in [0, 1]");
        }

        return problems;
    }

    public static TrainingConfig Parse(string json) =>
        JsonSerializer.Deserialize(json, TrainingConfigJsonContext.Default.TrainingConfig)
        ?? throw new JsonException("the configuration is empty (null)");

    public string ToJson() => JsonSerializer.Serialize(this, TrainingConfigJsonContext.Default.TrainingConfig);

    /// <summary>A configuration that trains in seconds (CI, tests): few tasks, one small layer, few iterations.</summary>
    public static TrainingConfig Tiny(ulong seed) => new()
    {
        Seed = seed,
        TrainingTasksPerCell = 12,
        ValidationTasksPerCell = 10,
        BoundaryAttempts = 3,
        Network = new NetworkConfig { Hidden = [16] },
        Sft = new SftConfig { SweepLevels = 4, Epochs = 3, BatchSize = 64 },
        Bopo = new BopoConfig { Iterations = 3, TasksPerIteration = 12, GroupSize = 4, Epochs = 1, BatchSize = 128 },
    };
}

public sealed record NetworkConfig
{
    /// <summary>Hidden layer widths; the input is feature schema v1 (152) and the output the two classes.</summary>
    public List<int> Hidden { get; set; } = [64, 32];

    /// <summary>"relu" or "tanh" for the hidden layers.</summary>
    public string Activation { get; set; } = "relu";
}

public sealed record SftConfig
{
    /// <summary>N: the hard-task sweep runs P(large) = k/N for k = 0..N.</summary>
    public int SweepLevels { get; set; } = 10;

    /// <summary>Relative weight of each difficulty class in the SFT loss (stratification).</summary>
    public ClassShares ClassShares { get; set; } = new();

    public int Epochs { get; set; } = 12;

    public int BatchSize { get; set; } = 256;

    public double LearningRate { get; set; } = 3e-3;
}

public sealed record ClassShares
{
    public double Easy { get; set; } = 1;

    public double Hard { get; set; } = 1;

    public double Intractable { get; set; } = 1;
}

public sealed record BopoConfig
{
    public int Iterations { get; set; } = 300;

    /// <summary>Training tasks drawn (uniformly, seeded) per iteration.</summary>
    public int TasksPerIteration { get; set; } = 96;

    /// <summary>G: rollouts of the current policy per task.</summary>
    public int GroupSize { get; set; } = 8;

    /// <summary>r_hard: bonus for solving a hard task.</summary>
    public double HardBonus { get; set; } = 0.5;

    /// <summary>λ: weight of the normalised cost C_norm in the reward.</summary>
    public double CostWeight { get; set; } = 0.01;

    /// <summary>
    /// λ for groups rolled out under a hard limit: the hard objective of docs/design.md §2.1 (maximise success subject
    /// to the limit) does not price cost, the limit bounds it; 0 by default.
    /// </summary>
    public double CostWeightUnderLimits { get; set; }

    /// <summary>PPO clip ε of the probability ratio.</summary>
    public double Clip { get; set; } = 0.2;

    /// <summary>β: weight of KL(π ‖ π_SFT) per step (0 drops the term).</summary>
    public double KlWeight { get; set; } = 0.003;

    /// <summary>Smallest standard deviation the advantage is divided by (groups with equal rewards).</summary>
    public double AdvantageStdFloor { get; set; } = 0.1;

    /// <summary>Passes over each iteration's rollouts.</summary>
    public int Epochs { get; set; } = 2;

    public int BatchSize { get; set; } = 512;

    public double LearningRate { get; set; } = 3e-3;

    public double MaxGradientNorm { get; set; } = 1.0;

    /// <summary>Share of groups rolled out under a hard limit (with budget-constrained decoding), so the policy sees its limit features.</summary>
    public double ConstrainedShare { get; set; } = 0.5;

    /// <summary>Large-call caps K a constrained group may draw.</summary>
    public List<int> LargeCaps { get; set; } = [5, 10, 15];

    /// <summary>Dollar budgets (µ$) a constrained group may draw.</summary>
    public List<long> BudgetsMicros { get; set; } = [20_000, 50_000, 100_000];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(TrainingConfig))]
public sealed partial class TrainingConfigJsonContext : JsonSerializerContext;
