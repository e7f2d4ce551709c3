using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Routing.ServiceDefaults.Options;

namespace Routing.ServiceDefaults.Auth;

public static class ServiceAuthRegistration
{
    /// <summary>
    /// The tokens of <c>Routing:Auth</c>, loaded at start-up and reloaded while the process runs. Enough for a
    /// process that only calls other services (the executor).
    /// </summary>
    public static IServiceCollection AddServiceTokens(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ServiceTokens)))
        {
            return services;
        }
        services.AddValidatedOptions<ServiceAuthOptions>(ServiceAuthOptions.SectionName);
        services.AddSingleton<ServiceTokens>();
        services.AddHostedService<ServiceTokenReloader>();
        return services;
    }

    /// <summary>
    /// Requires a token on every call this process serves (except health and reflection), and the admin token on
    /// <paramref name="adminMethods"/>. Call before adding other interceptors, so a refused call reaches none of them.
    /// </summary>
    public static IServiceCollection AddServiceAuth(this IServiceCollection services, params string[] adminMethods)
    {
        services.AddServiceTokens();
        services.TryAddSingleton(new AdminMethods(adminMethods));
        services.AddGrpc(o => o.Interceptors.Add<ServiceAuthInterceptor>());
        return services;
    }
}
