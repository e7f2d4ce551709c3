using Grpc.Core;
using Routing.Contracts.Memory.V1;

namespace Routing.Sale.Memory;

/// <summary>The memory service over gRPC, each call with a deadline so a slow replica cannot stall an auction.</summary>
public sealed class GrpcAuctionMemory(MemoryService.MemoryServiceClient client, TimeSpan? deadline = null) : IAuctionMemory
{
    private readonly TimeSpan _deadline = deadline ?? TimeSpan.FromSeconds(5);

    public async Task<RetrieveContrastiveResponse> RetrieveContrastiveAsync(RetrieveContrastiveRequest request, CancellationToken cancellationToken) =>
        await client.RetrieveContrastiveAsync(request, Options(cancellationToken)).ConfigureAwait(false);

    public async Task<RecordAuctionResponse> RecordAuctionAsync(RecordAuctionRequest request, CancellationToken cancellationToken) =>
        await client.RecordAuctionAsync(request, Options(cancellationToken)).ConfigureAwait(false);

    public async Task<RecordOutcomeResponse> RecordOutcomeAsync(RecordOutcomeRequest request, CancellationToken cancellationToken) =>
        await client.RecordOutcomeAsync(request, Options(cancellationToken)).ConfigureAwait(false);

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + _deadline, cancellationToken: cancellationToken);
}
