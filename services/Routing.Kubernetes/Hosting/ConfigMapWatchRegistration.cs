using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Kubernetes.Watching;
using Routing.ServiceDefaults.Options;

namespace Routing.Kubernetes.Hosting;

public static class ConfigMapWatchRegistration
{
    /// <summary>
    /// Watches the ConfigMap configured under <paramref name="section"/> (<see cref="ConfigMapWatchOptions"/>) and
    /// hands each new state to the consumer <paramref name="consumer"/> builds. Off (no API calls at all) while
    /// <c>{section}:ConfigMap</c> is empty. Options are named by the section, so a service can hold several watches.
    /// </summary>
    public static IServiceCollection AddConfigMapWatch(this IServiceCollection services, string section, Func<IServiceProvider, IConfigMapConsumer> consumer)
    {
        services.AddOptions<ConfigMapWatchOptions>(section).BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConfigMapWatchOptions>>(new SectionValidator(section));
        services.AddSingleton<IHostedService>(sp => new ConfigMapWatchService(
            section,
            sp.GetRequiredService<IOptionsMonitor<ConfigMapWatchOptions>>().Get(section),
            consumer(sp),
            sp.GetRequiredService<ILogger<ConfigMapWatchService>>()));
        return services;
    }

    /// <summary>
    /// The generic hook for a document held in one key: <c>apply(text, source)</c> gets the key's text on every
    /// change (for example the executor's <c>ConfiguredAgentPool.Apply(json, source)</c> with key <c>agents.json</c>).
    /// </summary>
    public static IServiceCollection AddConfigMapKeyWatch(this IServiceCollection services, string section, string key, Func<IServiceProvider, Action<string, string>> apply) =>
        services.AddConfigMapWatch(section, sp => new ConfigMapKeyConsumer(key, apply(sp), sp.GetRequiredService<ILogger<ConfigMapKeyConsumer>>()));

    /// <summary>Validates only the watch named by its section, naming that section's keys.</summary>
    private sealed class SectionValidator(string section) : IValidateOptions<ConfigMapWatchOptions>
    {
        private readonly KeyNamingOptionsValidator<ConfigMapWatchOptions> _inner = new(section);

        public ValidateOptionsResult Validate(string? name, ConfigMapWatchOptions options)
        {
            if (name != section)
            {
                return ValidateOptionsResult.Skip;
            }
            var result = _inner.Validate(name, options);
            if (result.Failed || options.MaxBackoffMilliseconds >= options.InitialBackoffMilliseconds)
            {
                return result;
            }
            return ValidateOptionsResult.Fail($"{section}:MaxBackoffMilliseconds must be at least {section}:InitialBackoffMilliseconds.");
        }
    }
}
