using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Budget.V1;
using Routing.Executor.Pipeline;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class ParkedCommitTests
{
    [Fact]
    public async Task ParkedCommitReachesTheLedgerInTheBackground()
    {
        await using var stack = await ExecutorStack.StartAsync();
        var taskId = ExecutorStack.NewTaskId();
        await stack.OpenAsync(taskId, 10_000);
        var reservation = await stack.Budget!.ReserveAsync(new ReserveRequest { Tenant = "acme", TaskId = taskId, AmountMicros = 500, IdempotencyKey = "paid-step" });

        await stack.Services.GetRequiredService<ParkedCommits>().ParkAsync(
            new CommitRequest { Tenant = "acme", TaskId = taskId, ReservationId = reservation.ReservationId, ActualMicros = 300 });

        var ledger = await Eventually.ReturnsAsync(() => stack.LedgerAsync(taskId), l => l.CommittedMicros == 300, TimeSpan.FromSeconds(15), "the parked commit to be recorded");
        Assert.Equal(0, ledger.ReservedMicros);
        // The entry leaves the processing list only after the ledger answered, so it may still be there a moment.
        var parked = stack.Services.GetRequiredService<ParkedCommits>();
        Assert.Equal(0, await Eventually.ReturnsAsync(parked.CountAsync, c => c == 0, TimeSpan.FromSeconds(15), "the parked commit to leave the processing list"));
    }

    [Fact]
    public async Task ParkedCommitStaysParkedWhileTheBudgetServiceIsDown()
    {
        await using var stack = await ExecutorStack.StartAsync(withBudget: false);
        var parked = stack.Services.GetRequiredService<ParkedCommits>();
        await parked.ParkAsync(new CommitRequest { Tenant = "acme", TaskId = "t", ReservationId = "r", ActualMicros = 42 });

        var recorded = await parked.RetryAllAsync(stack.Services.GetRequiredService<ServiceClients>().Budget, TimeSpan.FromMilliseconds(500), CancellationToken.None);

        Assert.Equal(0, recorded);
        Assert.Equal(1, await parked.CountAsync());
    }
}
