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
}
