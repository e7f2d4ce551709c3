using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Routing.Backends;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Executor.Tenancy;
using ExecutorOpenTaskRequest = Routing.Contracts.Executor.V1.OpenTaskRequest;

namespace Routing.Executor.Http;

/// <summary>
/// Which task a chat completion belongs to, and how it is opened when it is new, so that a client that can only set
/// default headers (most agent frameworks) needs no Routing-specific call: a new <c>X-Routing-Task-Id</c> is opened by
/// its first step with <c>X-Routing-Budget-Micros</c> or the tenant's default task budget; a request without the
/// header is a one-step task under the tenant's default per-request budget.
/// </summary>
public static class TaskOnFirstSight
{
    /// <summary>One million dollars: the budget service's largest amount.</summary>
    private const long MaxMicros = 1_000_000_000_000;

    private const int MaxTaskTextLength = 65_536;

    /// <summary>The step's task id and how to open it if it is missing (a delegate that explains which header to send when it cannot).</summary>
    public static (string TaskId, Func<CancellationToken, Task> OpenIfMissing) Resolve(
        HttpContext context, string tenant, TenantSettings settings, string? idempotencyKey, IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var operations = context.RequestServices.GetRequiredService<TaskOperations>();
        var named = context.Request.Headers[RoutingHeaders.TaskId].ToString();
        var budget = Count(context, RoutingHeaders.BudgetMicros, 1, MaxMicros);
        var cap = Count(context, RoutingHeaders.LargeCallCap, 0, int.MaxValue);
        if (named.Length > 0)
        {
            if ((budget ?? settings.DefaultTaskBudgetMicros) is not { } limit)
            {
                return (named, _ => throw new OpenAiRequestException(new OpenAiErrorBody(404,
                    $"Task '{named}' is not open. Send '{RoutingHeaders.BudgetMicros}' (its limit in µ$) to open it with this call, or open it first (POST /v1/routing/tasks).",
                    "invalid_request_error", RoutingHeaders.BudgetMicros, "task_not_found")));
            }
            return (named, cancellationToken => OpenAsync(operations, tenant, named, limit, cap, messages, cancellationToken));
        }

        if (settings.DefaultRequestBudgetMicros is not { } perRequest)
        {
            throw new OpenAiRequestException(OpenAiErrorBody.BadParam(RoutingHeaders.TaskId,
                $"Missing required header '{RoutingHeaders.TaskId}': name the task every call belongs to (with '{RoutingHeaders.BudgetMicros}' on its first call, or open it first with POST /v1/routing/tasks)."));
        }
        // A retry with the same key must find the same task (and so the stored answer): the id derives from the key.
        var taskId = idempotencyKey is null
            ? "request-" + Guid.NewGuid().ToString("N")
            : "request-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32];
        return (taskId, cancellationToken => OpenAsync(operations, tenant, taskId, budget ?? perRequest, cap, messages, cancellationToken));
    }

    private static async Task OpenAsync(
        TaskOperations operations, string tenant, string taskId, long limit, long? cap, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var request = new ExecutorOpenTaskRequest { TaskId = taskId, LimitMicros = limit, TaskText = TaskText(messages) };
        if (cap is { } c)
        {
            request.LargeCallCap = (int)c;
        }
        try
        {
            await operations.OpenAsync(tenant, request, cancellationToken);
        }
        catch (StepFailure e) when (e.Kind == StepFailureKind.Conflict)
        {
            // Another first step opened it a moment ago with other headers: the task exists, which is all this step needs.
        }
    }

    /// <summary>The task's description for the features: its first user message, as the first step of a task states it.</summary>
    private static string TaskText(IReadOnlyList<ChatMessage> messages)
    {
        foreach (var message in messages)
        {
            if (message.Role == "user")
            {
                return message.Content.Length > MaxTaskTextLength ? message.Content[..MaxTaskTextLength] : message.Content;
            }
        }
        return "";
    }

    private static long? Count(HttpContext context, string header, long min, long max)
    {
        var value = context.Request.Headers[header].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= min && count <= max
            ? count
            : throw new OpenAiRequestException(OpenAiErrorBody.BadParam(header, string.Create(CultureInfo.InvariantCulture, $"Header '{header}' must be a whole number from {min} to {max} (got '{value}').")));
    }
}
