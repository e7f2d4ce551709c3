using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Routing.Policy.Batching;

/// <summary>
/// One queued row: its features, room for its output, and the awaitable the caller waits on. Pooled: the
/// queue and the caller each hold a reference, and it returns to the pool when both have let go (a request
/// cancelled while queued is still in the queue until a worker skips it).
/// </summary>
internal sealed class PendingInference : IValueTaskSource
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Cancelled = 2;

    private readonly ConcurrentQueue<PendingInference> _pool;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;
    private int _references;
    private CancellationTokenRegistration _registration;

    public PendingInference(ConcurrentQueue<PendingInference> pool, int inputWidth, int outputWidth)
    {
        _pool = pool;
        Features = new float[inputWidth];
        Output = new float[outputWidth];
    }

    public float[] Features { get; }

    public float[] Output { get; }

    public long EnqueuedAt { get; private set; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp after which the request is dropped; <see cref="long.MaxValue"/> for none.</summary>
    public long DeadlineAt { get; private set; }

    public ValueTask Completion => new(this, _core.Version);

    public void Prepare(long enqueuedAt, long deadlineAt)
    {
        _core.Reset();
        _state = Queued;
        _references = 2;
        EnqueuedAt = enqueuedAt;
        DeadlineAt = deadlineAt;
    }

    public void WatchCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (state, token) => ((PendingInference)state!).TryCancel(token), this);
        }
    }

    /// <summary>Called by a worker; false when the caller cancelled first (skip the row).</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

    public void Succeed() => _core.SetResult(true);

    public void Fail(Exception exception) => _core.SetException(exception);

    /// <summary>Drops one reference; the last one returns the object to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _pool.Enqueue(this);
        }
    }

    /// <summary>Called by the caller after the awaitable completed: stops watching for cancellation, then releases.</summary>
    public void ReleaseByCaller()
    {
        _registration.Dispose();
        _registration = default;
        Release();
    }

    private void TryCancel(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            _core.SetException(new OperationCanceledException(token));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
