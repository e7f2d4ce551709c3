namespace Routing.Policy.Batching;

public enum BatchRejection
{
    /// <summary>The queue was at capacity.</summary>
    QueueFull = 0,

    /// <summary>The deadline passed while the request waited.</summary>
    DeadlineExceeded = 1,

    /// <summary>The batcher was shut down (its model version retired or the service stopping).</summary>
    Closed = 2,

    /// <summary>ONNX Runtime failed on the batch.</summary>
    InferenceFailed = 3,
}

/// <summary>A request the batcher did not answer with a result.</summary>
public sealed class BatchRejectedException(BatchRejection reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public BatchRejection Reason { get; } = reason;
}
