using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Routing.Outcomes.Data;

/// <summary>
/// A seeded split of one outcome file into training and held-out records. Membership depends only on the seed
/// and the record's id (a hash), not on the order of the lines, so the trainer and the evaluator agree on the
/// split without sharing anything but (fraction, seed).
/// </summary>
public static class HoldoutSplit
{
    /// <summary>Whether the record <paramref name="id"/> is held out for the given fraction and seed.</summary>
    public static bool IsHeldOut(string id, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(id);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{id}"), hash);
        var unit = (BinaryPrimitives.ReadUInt64LittleEndian(hash) >> 11) * (1.0 / (1UL << 53));
        return unit < fraction;
    }

    /// <summary>The training part (not held out) and the held-out part; an empty part is an error.</summary>
    public static (OutcomeDataset Train, OutcomeDataset Test) Split(OutcomeDataset dataset, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(fraction is > 0 and < 1))
        {
            throw new OutcomeDataException($"holdout fraction must be between 0 and 1 (exclusive), not {fraction}");
        }

        var train = new List<OutcomeRecord>();
        var test = new List<OutcomeRecord>();
        foreach (var record in dataset.Records)
        {
            (IsHeldOut(record.Id, fraction, seed) ? test : train).Add(record);
        }

        if (train.Count == 0 || test.Count == 0)
        {
            throw new OutcomeDataException(
                $"{dataset.Path}: holdout {fraction} with seed {seed} leaves an empty {(train.Count == 0 ? "training" : "held-out")} split ({dataset.Records.Count} records)");
        }

        return (dataset.WithRecords(train), dataset.WithRecords(test));
    }
}
