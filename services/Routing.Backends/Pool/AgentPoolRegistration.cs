using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends.OpenAi;
using Routing.Backends.Simulator;
using Routing.Simulation;
using Routing.Simulation.Server;

namespace Routing.Backends.Pool;

public static class AgentPoolRegistration
{
    /// <summary>
    /// The agent pool (<see cref="IAgentPool"/>, also as <see cref="ConfiguredAgentPool"/>) from
    /// <c>Routing:AgentPool</c>, its file reloader, the HTTP backend stack (<c>Routing:Backends</c>) and, for
    /// <c>sim:</c> agents, one in-process <see cref="SimulatedBackend"/> (a registered one is reused).
    /// </summary>
    public static IServiceCollection AddAgentPool(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptionsNamingKeys<AgentPoolOptions>(AgentPoolOptions.SectionName, configuration);
        services.AddOpenAiBackendHttp(configuration);
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<AgentPoolOptions>>().Value;
            return new SimulatedBackend(SimulatorModel.Default, options.SimulatorSeed, options.SimulatorMaxTasks);
        });
        services.TryAddSingleton(provider => new AgentBackendFactory(
            provider.GetRequiredService<IHttpClientFactory>(),
            provider.GetRequiredService<IOptions<OpenAiBackendOptions>>(),
            provider.GetRequiredService<ILoggerFactory>(),
            new Lazy<SimulatedBackend>(provider.GetRequiredService<SimulatedBackend>)));
        services.TryAddSingleton(provider => new ConfiguredAgentPool(
            provider.GetRequiredService<AgentBackendFactory>().Create,
            provider.GetRequiredService<ILogger<ConfiguredAgentPool>>()));
        services.TryAddSingleton<IAgentPool>(provider => provider.GetRequiredService<ConfiguredAgentPool>());
        services.TryAddSingleton(provider => new AgentPoolFileReloader(
            provider.GetRequiredService<ConfiguredAgentPool>(),
            provider.GetRequiredService<IOptions<AgentPoolOptions>>(),
            () => SimulatorAgents.Definitions(provider.GetRequiredService<SimulatedBackend>())));
        services.AddHostedService(provider => provider.GetRequiredService<AgentPoolFileReloader>());
        return services;
    }
}
