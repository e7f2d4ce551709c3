using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends.OpenAi;
using Routing.ServiceDefaults.Options;

namespace Routing.Backends.Pool;

public static class AgentPoolRegistration
{
    /// <summary>
    /// The agent pool (<see cref="IAgentPool"/>, also as <see cref="ConfiguredAgentPool"/>) from
    /// <c>Routing:AgentPool</c>, its file reloader and the HTTP backend stack (<c>Routing:Backends</c>). In-process
    /// backends (<see cref="IAgentBackendProvider"/>, <see cref="IInProcessAgentPool"/>) are the host's to register,
    /// before or after this call: the lab's simulator does so for <c>routing up</c>.
    /// </summary>
    public static IServiceCollection AddAgentPool(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<AgentPoolOptions>(AgentPoolOptions.SectionName, configuration);
        services.AddOpenAiBackendHttp(configuration);
        services.TryAddSingleton(provider => new AgentBackendFactory(
            provider.GetRequiredService<IHttpClientFactory>(),
            provider.GetRequiredService<IOptions<OpenAiBackendOptions>>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetServices<IAgentBackendProvider>()));
        services.TryAddSingleton(provider =>
        {
            var factory = provider.GetRequiredService<AgentBackendFactory>();
            return new ConfiguredAgentPool(factory.Create, provider.GetRequiredService<ILogger<ConfiguredAgentPool>>(), factory.Problem);
        });
        services.TryAddSingleton<IAgentPool>(provider => provider.GetRequiredService<ConfiguredAgentPool>());
        services.TryAddSingleton(provider => new AgentPoolFileReloader(
            provider.GetRequiredService<ConfiguredAgentPool>(),
            provider.GetRequiredService<IOptions<AgentPoolOptions>>(),
            provider.GetService<IInProcessAgentPool>()));
        services.AddHostedService(provider => provider.GetRequiredService<AgentPoolFileReloader>());
        return services;
    }
}
