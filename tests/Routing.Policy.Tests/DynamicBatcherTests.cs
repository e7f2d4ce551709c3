using FsCheck;
using FsCheck.Fluent;
using Routing.Policy.Batching;
using Routing.Policy.Options;
using Routing.Testing;
using Xunit;

namespace Routing.Policy.Tests;

/// <summary>The batcher against direct per-row inference of the same model, under concurrency and cancellation.</summary>
public sealed class DynamicBatcherTests : IDisposable
{
    private readonly string _root = TestModels.NewDirectory();

    public DynamicBatcherTests() => TestModels.Write(_root, "v1", TestModels.RandomNetwork(seed: 3));

    [Fact]
    public void EveryCallerGetsItsOwnRowUnderConcurrencyBatchingAndCancellation()
    {
        var scenarios = from maxBatch in Gen.Choose(1, 64)
                        from workers in Gen.Choose(1, 2)
                        from callers in Gen.Choose(1, 48)
                        from delay in Gen.Elements(0, 0, 50, 500)
                        from cancelPercent in Gen.Choose(0, 40)
                        from seed in Gen.Choose(0, int.MaxValue)
                        select (maxBatch, workers, callers, delay, cancelPercent, seed);

        Prop.ForAll(scenarios.ToArbitrary(), scenario => RunScenarioAsync(scenario).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(12));
    }

    private async Task<bool> RunScenarioAsync((int MaxBatch, int Workers, int Callers, int Delay, int CancelPercent, int Seed) s)
    {
        using var reference = new LoadedModelScope(Path.Combine(_root, "v1"));
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"), new BatchingOptions
        {
            MaxBatchSize = s.MaxBatch, Workers = s.Workers, MaxQueueDelayMicros = s.Delay, QueueCapacity = 100_000,
        });
        var batcher = served.Model.Batcher;
        const int perCaller = 20;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, s.Callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(s.Seed ^ (caller * 7919));
            var problems = 0;
            for (var i = 0; i < perCaller; i++)
            {
                var features = TestModels.RandomFeatures(random);
                var expected = reference.Model.Session.RunRows(features);
                var output = new float[2];
                using var cancellation = new CancellationTokenSource();
                var cancel = random.Next(100) < s.CancelPercent;
                if (cancel)
                {
                    if (random.Next(2) == 0)
                    {
                        await cancellation.CancelAsync();
                    }
                    else
                    {
                        cancellation.CancelAfter(TimeSpan.FromTicks(random.Next(1, 2_000)));
                    }
                }
                try
                {
                    await batcher.InferAsync(features, output, DateTime.MaxValue, cancellation.Token);
                }
                catch (OperationCanceledException) when (cancel)
                {
                    continue;
                }
                for (var c = 0; c < 2; c++)
                {
                    if (Math.Abs(output[c] - expected[c]) > 1e-6f)
                    {
                        problems++;
                    }
                }
            }
            return problems;
        })));

        Assert.All(outcomes, problems => Assert.Equal(0, problems));
        // A request cancelled while queued stays in the queue until a worker skips it, which happens promptly.
        await Eventually.ReturnsAsync(() => Task.FromResult(batcher.QueueDepth), depth => depth == 0, TimeSpan.FromSeconds(10), "queue drained");
        return true;
    }

    [Fact]
    public async Task QueuedRequestsAreTakenTogetherUpToTheMaxBatchSizeInOneRunEach()
    {
        using var reference = new LoadedModelScope(Path.Combine(_root, "v1"));
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"), new BatchingOptions { MaxBatchSize = 8 });
        var batcher = served.Model.Batcher;
        batcher.PauseWorkers();
        var random = new Random(9);
        var rows = Enumerable.Range(0, 20).Select(_ => TestModels.RandomFeatures(random)).ToList();
        var outputs = rows.Select(_ => new float[2]).ToList();
        var queued = rows.Select((row, i) => batcher.InferAsync(row, outputs[i], DateTime.MaxValue, CancellationToken.None).AsTask()).ToList();

        batcher.ResumeWorkers();
        await Task.WhenAll(queued);

        Assert.Equal(3, batcher.BatchesRun);
        Assert.Equal(20, batcher.RowsRun);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(reference.Model.Session.RunRows(rows[i])[1], outputs[i][1], 6);
        }
    }

    [Fact]
    public async Task ALoneRequestRunsAtOnceInABatchOfOne()
    {
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"), new BatchingOptions { MaxBatchSize = 64 });

        await served.Model.Batcher.InferAsync(TestModels.RandomFeatures(new Random(1)), new float[2], DateTime.MaxValue, CancellationToken.None);

        Assert.Equal(1, served.Model.Batcher.BatchesRun);
        Assert.Equal(1, served.Model.Batcher.RowsRun);
    }

    [Fact]
    public async Task AFullQueueRefusesAtOnceWithQueueFull()
    {
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"), new BatchingOptions { QueueCapacity = 4, MaxBatchSize = 8 });
        var batcher = served.Model.Batcher;
        batcher.PauseWorkers();
        var features = new float[Features.FeatureSchemaV1.Width];
        var queued = Enumerable.Range(0, 4).Select(_ => batcher.InferAsync(features, new float[2], DateTime.MaxValue, CancellationToken.None).AsTask()).ToList();

        var refused = await Assert.ThrowsAsync<BatchRejectedException>(() => batcher.InferAsync(features, new float[2], DateTime.MaxValue, CancellationToken.None).AsTask());

        Assert.Equal(BatchRejection.QueueFull, refused.Reason);
        batcher.ResumeWorkers();
        await Task.WhenAll(queued);
    }

    [Fact]
    public async Task ARequestWhoseDeadlinePassedInTheQueueIsDroppedWithDeadlineExceeded()
    {
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"));
        var batcher = served.Model.Batcher;
        batcher.PauseWorkers();
        var features = new float[Features.FeatureSchemaV1.Width];
        var expiring = batcher.InferAsync(features, new float[2], DateTime.UtcNow.AddMilliseconds(20), CancellationToken.None).AsTask();
        var patient = batcher.InferAsync(features, new float[2], DateTime.MaxValue, CancellationToken.None).AsTask();
        await Task.Delay(100);

        batcher.ResumeWorkers();

        var dropped = await Assert.ThrowsAsync<BatchRejectedException>(() => expiring);
        Assert.Equal(BatchRejection.DeadlineExceeded, dropped.Reason);
        await patient;
    }

    [Fact]
    public async Task ShutdownAnswersEverythingQueuedAndRefusesNewRequests()
    {
        using var reference = new LoadedModelScope(Path.Combine(_root, "v1"));
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"), new BatchingOptions { MaxBatchSize = 16 });
        var batcher = served.Model.Batcher;
        batcher.PauseWorkers();
        var random = new Random(2);
        var rows = Enumerable.Range(0, 200).Select(_ => TestModels.RandomFeatures(random)).ToList();
        var outputs = rows.Select(_ => new float[2]).ToList();
        var queued = rows.Select((row, i) => batcher.InferAsync(row, outputs[i], DateTime.MaxValue, CancellationToken.None).AsTask()).ToList();

        await batcher.ShutdownAsync();

        await Task.WhenAll(queued);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(reference.Model.Session.RunRows(rows[i])[1], outputs[i][1], 6);
        }
        var closed = await Assert.ThrowsAsync<BatchRejectedException>(() => batcher.InferAsync(rows[0], new float[2], DateTime.MaxValue, CancellationToken.None).AsTask());
        Assert.Equal(BatchRejection.Closed, closed.Reason);
    }

    [Fact]
    public async Task WithBatchingDisabledEveryRequestStillGetsItsOwnRow()
    {
        using var reference = new LoadedModelScope(Path.Combine(_root, "v1"));
        using var served = new LoadedModelScope(Path.Combine(_root, "v1"), new BatchingOptions { Enabled = false });
        var random = new Random(4);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            var features = TestModels.RandomFeatures(new Random(random.Next()));
            var output = new float[2];
            await served.Model.Batcher.InferAsync(features, output, DateTime.MaxValue, CancellationToken.None);
            Assert.Equal(reference.Model.Session.RunRows(features)[0], output[0], 6);
        })));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
