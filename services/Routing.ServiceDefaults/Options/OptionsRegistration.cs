using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Routing.ServiceDefaults.Options;

public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="sectionPath"/> and validates it when the host
    /// starts: a bad value stops start-up with the configuration key in the message.
    /// </summary>
    public static IServiceCollection AddValidatedOptions<TOptions>(this IServiceCollection services, string sectionPath)
        where TOptions : class
    {
        services.AddOptions<TOptions>().BindConfiguration(sectionPath).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new KeyNamingOptionsValidator<TOptions>(sectionPath));
        return services;
    }

    /// <summary>As above, bound from a section of <paramref name="configuration"/> (null: the host's).</summary>
    public static IServiceCollection AddValidatedOptions<TOptions>(this IServiceCollection services, string sectionPath, IConfiguration? configuration)
        where TOptions : class
    {
        if (configuration is null)
        {
            return services.AddValidatedOptions<TOptions>(sectionPath);
        }

        services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionPath)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new KeyNamingOptionsValidator<TOptions>(sectionPath));
        return services;
    }
}
