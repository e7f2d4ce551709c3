using System.Globalization;
using Grpc.Core;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Grpc;

/// <summary>The gRPC status of each <see cref="StepFailureKind"/>; budget refusals carry what remains in a trailer.</summary>
public static class GrpcFailures
{
    public static RpcException ToRpc(StepFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var code = failure.Kind switch
        {
            StepFailureKind.Invalid or StepFailureKind.RequestRejected or StepFailureKind.IdempotencyKeyReused => StatusCode.InvalidArgument,
            StepFailureKind.NotYourTask => StatusCode.PermissionDenied,
            StepFailureKind.Conflict => StatusCode.AlreadyExists,
            StepFailureKind.TaskClosed or StepFailureKind.BudgetExhausted or StepFailureKind.BackendRejected => StatusCode.FailedPrecondition,
            StepFailureKind.InProgress => StatusCode.Aborted,
            StepFailureKind.BackendTimeout => StatusCode.DeadlineExceeded,
            _ => StatusCode.Unavailable,
        };
        var trailers = new Metadata();
        if (failure.RemainingMicros is { } remaining)
        {
            trailers.Add(RoutingTrailers.RemainingMicros, remaining.ToString(CultureInfo.InvariantCulture));
        }
        return new RpcException(new Status(code, failure.Message), trailers);
    }
}
