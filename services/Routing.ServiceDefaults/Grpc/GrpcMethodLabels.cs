using System.Collections.Concurrent;
using Grpc.Core;
using Prometheus;

namespace Routing.ServiceDefaults.Grpc;

/// <summary>
/// The series of one side (server or client) of every gRPC method: a duration histogram and a counter by status
/// code, labelled <c>service</c>, <c>method</c> and <c>code</c>. The method set is the one the process serves or
/// calls (unknown methods never reach an interceptor), so labels are bounded; children are cached per method so
/// a call allocates no label array.
/// </summary>
public sealed class GrpcMethodLabels
{
    private const int CodeCount = (int)StatusCode.Unauthenticated + 1;

    private readonly Histogram _duration;
    private readonly Counter _handled;
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    public GrpcMethodLabels(IMetricFactory factory, string side)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _duration = factory.CreateHistogram($"grpc_{side}_handling_seconds", $"gRPC {side} call duration by service and method, until the status.",
            new HistogramConfiguration
            {
                LabelNames = ["service", "method"],
                // 100 µs to ~105 s: a policy decision is sub-millisecond, an executor step waits on a model backend.
                Buckets = Histogram.ExponentialBuckets(0.000_1, 2, 21),
            });
        _handled = factory.CreateCounter($"grpc_{side}_handled_total", $"gRPC {side} calls completed, by service, method and status code.", ["service", "method", "code"]);
    }

    /// <summary>Records one call of <paramref name="fullMethod"/> (<c>/package.Service/Method</c>).</summary>
    public void Record(string fullMethod, StatusCode code, double seconds)
    {
        if (!_series.TryGetValue(fullMethod, out var series))
        {
            series = _series.GetOrAdd(fullMethod, Create);
        }
        series.Duration.Observe(seconds);
        var handled = series.Handled[(int)code] ??= _handled.WithLabels(series.Service, series.Method, code.ToString());
        handled.Inc();
    }

    /// <summary>The status code a call ended with: a thrown <see cref="RpcException"/>'s, else Cancelled or Unknown.</summary>
    public static StatusCode CodeOf(Exception exception) => exception switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    private Series Create(string fullMethod)
    {
        var trimmed = fullMethod.TrimStart('/');
        var slash = trimmed.LastIndexOf('/');
        var service = slash > 0 ? trimmed[..slash] : "other";
        var method = slash > 0 ? trimmed[(slash + 1)..] : trimmed;
        // Codes are 0..16, so the array is indexed by the code's value; a code's series appears when it first happens.
        return new Series(service, method, _duration.WithLabels(service, method), new Counter.Child?[CodeCount]);
    }

    private sealed record Series(string Service, string Method, Histogram.Child Duration, Counter.Child?[] Handled);
}
