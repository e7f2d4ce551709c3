using System.Diagnostics;
using Routing.Executor.Metrics;
using Routing.ServiceDefaults.Metrics;

namespace Routing.Executor.Http;

/// <summary>
/// <c>routing_executor_http_request_duration_seconds</c> for requests on the HTTP port. Every label is bounded:
/// the route is the endpoint's template (<c>/v1/routing/tasks/{taskId}</c>, never the raw path), unmatched
/// paths are <c>other</c>, and so are methods outside the standard set and codes outside 100–599.
/// </summary>
public static class HttpRequestMetrics
{
    private static readonly BoundedLabels Methods = new(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var started = Stopwatch.GetTimestamp();
        var failed = false;
        try
        {
            await next();
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            // An exception that escapes becomes a 500 once the server sees it (unless the response had started).
            var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
            ExecutorMetrics.HttpRequestDuration
                .WithLabels(RouteOf(context), Methods.For(context.Request.Method), status is >= 100 and <= 599 ? StatusLabel(status) : BoundedLabels.Other)
                .Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>The matched endpoint's route template, or <c>other</c>.</summary>
    public static string RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? BoundedLabels.Other;

    private static string StatusLabel(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
