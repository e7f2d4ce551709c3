using Routing.Contracts.Memory.V1;

namespace Routing.Sale.Memory;

/// <summary>
/// The auction memory as SALE uses it: the memory service's contract (protos/routing/memory/v1). The gRPC
/// client is the implementation; the auction never keeps its own copy of past auctions.
/// </summary>
public interface IAuctionMemory
{
    Task<RetrieveContrastiveResponse> RetrieveContrastiveAsync(RetrieveContrastiveRequest request, CancellationToken cancellationToken);

    Task<RecordAuctionResponse> RecordAuctionAsync(RecordAuctionRequest request, CancellationToken cancellationToken);

    Task<RecordOutcomeResponse> RecordOutcomeAsync(RecordOutcomeRequest request, CancellationToken cancellationToken);
}
