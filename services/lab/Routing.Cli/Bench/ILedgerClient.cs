namespace Routing.Cli.Bench;

/// <summary>
/// The operations the budget benchmark drives, implemented once over gRPC (the service) and once as the
/// same Lua scripts sent straight to Redis (the baseline), so both run the identical workload.
/// </summary>
public interface ILedgerClient
{
    string Name { get; }

    Task OpenTaskAsync(string taskId, long limitMicros);

    /// <returns>The reservation id, or null when the ledger refused the amount.</returns>
    Task<string?> ReserveAsync(string taskId, long amountMicros, string idempotencyKey);

    Task CommitAsync(string taskId, string reservationId, long actualMicros);

    /// <returns>(committed, reserved) micro-dollars of the task.</returns>
    Task<(long Committed, long Reserved)> GetTaskAsync(string taskId);
}
