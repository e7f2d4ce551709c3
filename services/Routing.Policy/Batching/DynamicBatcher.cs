using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Routing.Policy.Inference;
using Routing.Policy.Metrics;
using Routing.Policy.Options;

namespace Routing.Policy.Batching;

/// <summary>
/// Gathers concurrent requests for one model version into ONNX Runtime runs. There is no batching thread:
/// a caller that finds a runner slot free runs the batch itself, taking whatever is queued (its own request
/// included) up to the max batch size, after waiting at most the max queue delay for more (0: never, so a
/// lone request runs at once on its own thread). Callers arriving while every slot is busy queue up and
/// are answered by the next batch. Each slot has its own preallocated buffers; one ORT run per batch; every
/// caller gets its own row. A full queue refuses at once; a request whose deadline passed while queued is
/// dropped unrun; <see cref="ShutdownAsync"/> stops intake and answers everything already queued. With
/// batching disabled every request runs alone on the caller's thread.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    /// <summary>Batches one caller runs for others before it hands the rest of the queue to the thread pool.</summary>
    private const int BatchesPerTurn = 4;

    private readonly PolicySession _session;
    private readonly BatchingOptions _options;
    private readonly string _version;
    private readonly Channel<PendingInference> _queue;
    private readonly ConcurrentQueue<PendingInference> _pool = new();
    private readonly ConcurrentBag<InferenceBuffers> _inlineBuffers = [];
    private readonly Runner[] _runners;
    private readonly long _maxDelayTicks;
    private readonly Prometheus.Histogram.Child _batchSizes;
    private readonly Prometheus.Histogram.Child _queueWait;
    private readonly Prometheus.Histogram.Child _inferenceSeconds;
    private readonly Prometheus.Gauge.Child _queueDepth;
    private int _queued;
    private int _inlineActive;
    private long _batchesRun;
    private long _rowsRun;
    private volatile bool _closed;
    private volatile TaskCompletionSource? _pause;

    public DynamicBatcher(PolicySession session, BatchingOptions options, string version)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        _session = session;
        _options = options;
        _version = version;
        _maxDelayTicks = options.MaxQueueDelayMicros * Stopwatch.Frequency / 1_000_000;
        _queue = Channel.CreateBounded<PendingInference>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _batchSizes = PolicyMetrics.BatchSize.WithLabels(version);
        _queueWait = PolicyMetrics.QueueWait.WithLabels(version);
        _inferenceSeconds = PolicyMetrics.InferenceDuration.WithLabels(version);
        _queueDepth = PolicyMetrics.QueueDepth.WithLabels(version);
        _runners = new Runner[options.Enabled ? options.Workers : 0];
        for (var r = 0; r < _runners.Length; r++)
        {
            _runners[r] = new Runner(new InferenceBuffers(session, options.MaxBatchSize), options.MaxBatchSize);
        }
    }

    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>ORT runs so far (batched path); with <see cref="RowsRun"/>, lets tests see batches form.</summary>
    internal long BatchesRun => Interlocked.Read(ref _batchesRun);

    internal long RowsRun => Interlocked.Read(ref _rowsRun);

    /// <summary>
    /// Probabilities of one feature row, written to <paramref name="output"/>. Throws
    /// <see cref="BatchRejectedException"/> (queue full, deadline, closed, inference failure) or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires while queued.
    /// </summary>
    /// <param name="deadline">UTC deadline; <see cref="DateTime.MaxValue"/> for none.</param>
    public async ValueTask InferAsync(ICollection<float> features, Memory<float> output, DateTime deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count != _session.InputWidth)
        {
            throw new ArgumentException($"features must hold {_session.InputWidth} values (got {features.Count})", nameof(features));
        }
        if (!_options.Enabled)
        {
            RunInline(features, output.Span);
            return;
        }
        if (_closed)
        {
            throw Closed();
        }
        var now = Stopwatch.GetTimestamp();
        var pending = Rent();
        pending.Prepare(now, DeadlineTimestamp(deadline, now));
        features.CopyTo(pending.Features, 0);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            pending.Release();
            pending.Release();
            throw _closed ? Closed() : new BatchRejectedException(BatchRejection.QueueFull,
                $"the policy queue for version {_version} is full ({_options.QueueCapacity} requests); retry with backoff");
        }
        pending.WatchCancellation(cancellationToken);
        RunQueued();
        try
        {
            await pending.Completion.ConfigureAwait(false);
            pending.Output.AsSpan().CopyTo(output.Span);
        }
        finally
        {
            pending.ReleaseByCaller();
        }
    }

    /// <summary>Test seam: queued requests wait until <see cref="ResumeWorkers"/> (or shutdown).</summary>
    internal void PauseWorkers() => _pause = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void ResumeWorkers()
    {
        if (Interlocked.Exchange(ref _pause, null) is { } pause)
        {
            pause.TrySetResult();
            ThreadPool.UnsafeQueueUserWorkItem(static batcher => batcher.RunQueued(), this, preferLocal: false);
        }
    }

    /// <summary>Stops intake, answers every queued request, then frees the buffers once no batch or inline run is active.</summary>
    public async Task ShutdownAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        _pause = null;
        while (_queue.Reader.Count > 0)
        {
            RunQueued();
            await Task.Delay(1).ConfigureAwait(false);
        }
        foreach (var runner in _runners)
        {
            lock (runner)
            {
                runner.Buffers.Dispose();
            }
        }
        while (Volatile.Read(ref _inlineActive) > 0)
        {
            await Task.Delay(1).ConfigureAwait(false);
        }
        while (_inlineBuffers.TryTake(out var buffers))
        {
            buffers.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    /// <summary>
    /// Runs batches while requests are queued and a runner slot is free. A caller whose slot is taken leaves:
    /// the slot's holder looks at the queue again after letting go, so no request is stranded.
    /// </summary>
    private void RunQueued()
    {
        var turns = BatchesPerTurn;
        while (_pause is null && _queue.Reader.Count > 0)
        {
            var ran = false;
            foreach (var runner in _runners)
            {
                if (!Monitor.TryEnter(runner))
                {
                    continue;
                }
                try
                {
                    while (turns > 0 && RunOneBatch(runner))
                    {
                        turns--;
                    }
                }
                finally
                {
                    Monitor.Exit(runner);
                }
                ran = true;
                break;
            }
            if (!ran)
            {
                return;
            }
            if (turns == 0)
            {
                // This caller has served others long enough; its own answer is ready. The pool takes over.
                if (_queue.Reader.Count > 0)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static batcher => batcher.RunQueued(), this, preferLocal: false);
                }
                return;
            }
        }
    }

    private bool RunOneBatch(Runner runner)
    {
        if (runner.Buffers.IsDisposed)
        {
            return false;
        }
        var reader = _queue.Reader;
        var count = Fill(reader, runner.Batch, runner.Buffers, 0);
        if (count > 0 && count < runner.Batch.Length && _maxDelayTicks > 0)
        {
            var until = Stopwatch.GetTimestamp() + _maxDelayTicks;
            while (count < runner.Batch.Length && Stopwatch.GetTimestamp() < until)
            {
                var before = count;
                count = Fill(reader, runner.Batch, runner.Buffers, count);
                if (count == before)
                {
                    Thread.Yield();
                }
            }
        }
        if (count == 0)
        {
            return false;
        }
        RunBatch(runner.Batch, runner.Buffers, count);
        return true;
    }

    private void RunInline(ICollection<float> features, Span<float> output)
    {
        Interlocked.Increment(ref _inlineActive);
        try
        {
            if (_closed)
            {
                throw Closed();
            }
            if (!_inlineBuffers.TryTake(out var buffers))
            {
                buffers = new InferenceBuffers(_session, 1);
            }
            features.CopyTo(buffers.InputArray, 0);
            var started = Stopwatch.GetTimestamp();
            try
            {
                _session.Run(buffers, 1);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                throw new BatchRejectedException(BatchRejection.InferenceFailed, $"inference failed on version {_version}: {exception.Message}", exception);
            }
            _inferenceSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            _batchSizes.Observe(1);
            buffers.OutputRow(0).CopyTo(output);
            _inlineBuffers.Add(buffers);
        }
        finally
        {
            Interlocked.Decrement(ref _inlineActive);
        }
    }

    private int Fill(ChannelReader<PendingInference> reader, PendingInference[] batch, InferenceBuffers buffers, int count)
    {
        while (count < batch.Length && reader.TryRead(out var pending))
        {
            Interlocked.Decrement(ref _queued);
            if (!pending.TryTake())
            {
                pending.Release();
                continue;
            }
            var now = Stopwatch.GetTimestamp();
            if (now > pending.DeadlineAt)
            {
                PolicyMetrics.DeadlineDrops.WithLabels(_version).Inc();
                pending.Fail(new BatchRejectedException(BatchRejection.DeadlineExceeded, "the deadline passed while the request waited in the policy queue"));
                pending.Release();
                continue;
            }
            _queueWait.Observe((now - pending.EnqueuedAt) / (double)Stopwatch.Frequency);
            pending.Features.AsSpan().CopyTo(buffers.InputRow(count));
            batch[count++] = pending;
        }
        _queueDepth.Set(Volatile.Read(ref _queued));
        return count;
    }

    private void RunBatch(PendingInference[] batch, InferenceBuffers buffers, int count)
    {
        var started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        try
        {
            _session.Run(buffers, count);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failure = new BatchRejectedException(BatchRejection.InferenceFailed, $"inference failed on version {_version}: {exception.Message}", exception);
        }
        _inferenceSeconds.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _batchSizes.Observe(count);
        Interlocked.Increment(ref _batchesRun);
        Interlocked.Add(ref _rowsRun, count);
        for (var i = 0; i < count; i++)
        {
            var pending = batch[i];
            batch[i] = null!;
            if (failure is null)
            {
                buffers.OutputRow(i).CopyTo(pending.Output);
                pending.Succeed();
            }
            else
            {
                pending.Fail(failure);
            }
            pending.Release();
        }
    }

    private PendingInference Rent() =>
        _pool.TryDequeue(out var pending) ? pending : new PendingInference(_pool, _session.InputWidth, _session.OutputWidth);

    private static long DeadlineTimestamp(DateTime deadline, long now)
    {
        if (deadline == DateTime.MaxValue)
        {
            return long.MaxValue;
        }
        var remaining = deadline - DateTime.UtcNow;
        return remaining <= TimeSpan.Zero ? now : now + (long)(remaining.TotalSeconds * Stopwatch.Frequency);
    }

    private BatchRejectedException Closed() =>
        new(BatchRejection.Closed, $"policy version {_version} is no longer serving");

    /// <summary>One runner slot: whoever holds its lock runs batches on its buffers.</summary>
    private sealed class Runner(InferenceBuffers buffers, int maxBatch)
    {
        public InferenceBuffers Buffers { get; } = buffers;

        public PendingInference[] Batch { get; } = new PendingInference[maxBatch];
    }
}
