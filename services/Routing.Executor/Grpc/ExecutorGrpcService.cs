using Grpc.Core;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Auctions;
using Routing.Executor.Episodes;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Executor.Tenancy;

namespace Routing.Executor.Grpc;

/// <summary>The gRPC face of the executor: authentication, request mapping, failures as status codes.</summary>
public sealed class ExecutorGrpcService(
    TenantAuthenticator authenticator, StepPipeline pipeline, TaskOperations tasks, IEpisodeRunner episodes, AuctionRunner auctions)
    : ExecutorService.ExecutorServiceBase
{
    public override Task<AuctionResponse> Auction(AuctionRequest request, ServerCallContext context) =>
        Guard(context, tenant => auctions.RunAsync(tenant, request, context.CancellationToken));

    public override Task<TaskInfo> OpenTask(OpenTaskRequest request, ServerCallContext context) =>
        Guard(context, tenant => tasks.OpenAsync(tenant, request, context.CancellationToken));

    public override Task<TaskInfo> GetTask(GetTaskRequest request, ServerCallContext context) =>
        Guard(context, tenant => tasks.GetAsync(tenant, request, context.CancellationToken));

    public override Task<TaskInfo> CompleteTask(CompleteTaskRequest request, ServerCallContext context) =>
        Guard(context, tenant => tasks.CompleteAsync(tenant, request, context.CancellationToken));

    public override Task<StepResponse> Step(StepRequest request, ServerCallContext context) =>
        Guard(context, tenant => pipeline.RunAsync(tenant, StepRequestMapping.ToCommand(request), context.CancellationToken));

    public override Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context) =>
        Guard(context, tenant => Task.FromResult(AgentListing.Of(pipeline.Catalog, episodes.SimulatorSeed(pipeline.Catalog), tenant)));

    public override Task RunTask(RunTaskRequest request, IServerStreamWriter<RunTaskEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Guard(context, async tenant =>
        {
            await episodes.RunAsync(tenant, request, e => responseStream.WriteAsync(e, context.CancellationToken), context.CancellationToken);
            return true;
        });
    }

    private async Task<T> Guard<T>(ServerCallContext context, Func<string, Task<T>> action)
    {
        string tenant;
        try
        {
            tenant = authenticator.Authenticate(context.RequestHeaders.GetValue("authorization"));
        }
        catch (UnauthenticatedException e)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, e.Message));
        }
        try
        {
            return await action(tenant);
        }
        catch (StepFailure failure)
        {
            throw GrpcFailures.ToRpc(failure);
        }
    }
}
