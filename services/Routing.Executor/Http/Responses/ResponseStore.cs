using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.Executor.Tasks;
using StackExchange.Redis;

namespace Routing.Executor.Http.Responses;

/// <summary>A stored response: its task, the conversation up to and including its answer, and the response object itself.</summary>
internal sealed record StoredResponse(string TaskId, JsonArray Conversation, JsonObject Response);

/// <summary>
/// Responses kept for <c>previous_response_id</c> and <c>GET /v1/responses/{id}</c>, one string per response keyed by
/// tenant (a tenant cannot read another's), expiring with the task it belongs to: the task's remaining time to live
/// when it was written. The id is derived from the step, so a replayed step overwrites its own record with the same value.
/// </summary>
internal sealed class ResponseStore(IConnectionMultiplexer redis, TaskStore tasks, IOptions<ExecutorOptions> options)
{
    private readonly string _prefix = options.Value.KeyPrefix;
    private readonly int _defaultTtlSeconds = options.Value.TaskTtlSeconds;

    public async Task SaveAsync(string tenant, StoredResponse stored)
    {
        var db = redis.GetDatabase();
        var ttl = await db.KeyTimeToLiveAsync(tasks.TaskKey(tenant, stored.TaskId)) ?? TimeSpan.FromSeconds(_defaultTtlSeconds);
        var value = new JsonObject
        {
            ["task_id"] = stored.TaskId,
            ["conversation"] = stored.Conversation.DeepClone(),
            ["response"] = stored.Response.DeepClone(),
        };
        await db.StringSetAsync(Key(tenant, stored.Response["id"]!.GetValue<string>()), value.ToJsonString(), ttl);
    }

    public async Task<StoredResponse?> GetAsync(string tenant, string responseId)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(tenant, responseId));
        if (value.IsNullOrEmpty || JsonNode.Parse((string)value!) is not JsonObject stored)
        {
            return null;
        }
        return new StoredResponse(stored["task_id"]!.GetValue<string>(), stored["conversation"]!.AsArray(), stored["response"]!.AsObject());
    }

    private RedisKey Key(string tenant, string responseId) => $"{_prefix}response:{{{tenant}}}:{responseId}";
}
