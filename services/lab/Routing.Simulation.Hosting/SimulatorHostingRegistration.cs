using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Routing.Backends.Pool;
using Routing.Executor.Episodes;
using Routing.ServiceDefaults.Options;
using Routing.Simulation.Server;

namespace Routing.Simulation.Hosting;

public static class SimulatorHostingRegistration
{
    /// <summary>
    /// Plugs the simulator into an executor host (call it in <c>ExecutorServiceHost.Build</c>'s configure, before
    /// the executor's own registrations): one in-process <see cref="SimulatedBackend"/> (a registered one is reused)
    /// serving <c>sim:</c> agents, its agents as the pool without a file, and RunTask over its tasks.
    /// </summary>
    public static IServiceCollection AddSimulatorHosting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<SimulatorHostingOptions>(AgentPoolOptions.SectionName, configuration);
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<SimulatorHostingOptions>>().Value;
            return new SimulatedBackend(SimulatorModel.Default, options.SimulatorSeed, options.SimulatorMaxTasks);
        });
        services.AddSingleton<IAgentBackendProvider, SimulatorBackendProvider>();
        services.TryAddSingleton<IInProcessAgentPool, SimulatorAgentPool>();
        services.AddSingleton<IEpisodeRunner, SimulatedEpisodeRunner>();
        return services;
    }
}
