using Grpc.Core;
using Grpc.Net.Client;
using Routing.Contracts.Budget.V1;

namespace Routing.Cli.Bench;

/// <summary>The budget service over gRPC.</summary>
public sealed class GrpcLedgerClient(GrpcChannel channel, string tenant) : ILedgerClient
{
    private readonly BudgetService.BudgetServiceClient _client = new(channel);

    public string Name => "service";

    public async Task OpenTaskAsync(string taskId, long limitMicros) =>
        await _client.OpenTaskAsync(new OpenTaskRequest { Tenant = tenant, TaskId = taskId, LimitMicros = limitMicros });

    public async Task<string?> ReserveAsync(string taskId, long amountMicros, string idempotencyKey)
    {
        try
        {
            var reply = await _client.ReserveAsync(new ReserveRequest
            {
                Tenant = tenant,
                TaskId = taskId,
                AmountMicros = amountMicros,
                IdempotencyKey = idempotencyKey,
            });
            return reply.ReservationId;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.ResourceExhausted)
        {
            return null;
        }
    }

    public async Task CommitAsync(string taskId, string reservationId, long actualMicros) =>
        await _client.CommitAsync(new CommitRequest { Tenant = tenant, TaskId = taskId, ReservationId = reservationId, ActualMicros = actualMicros });

    public async Task<(long Committed, long Reserved)> GetTaskAsync(string taskId)
    {
        var task = await _client.GetTaskAsync(new GetTaskRequest { Tenant = tenant, TaskId = taskId });
        return (task.CommittedMicros, task.ReservedMicros);
    }
}
