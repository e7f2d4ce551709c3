namespace Routing.Policy.Rollout;

/// <summary>
/// The highest-precedence configuration source of the policy service: the rollout ConfigMap's versions and
/// weight as <c>Routing:Policy:*</c> keys. Applying a document raises the configuration's reload token, so
/// <see cref="Microsoft.Extensions.Options.IOptionsMonitor{TOptions}"/> sees new <c>PolicyOptions</c> and the
/// model reloader swaps the serving set, exactly as for any other configuration change; no restart.
/// </summary>
public sealed class RolloutConfigurationProvider : ConfigurationProvider, IConfigurationSource
{
    /// <summary>The document in force, or null while the static configuration decides.</summary>
    public RolloutDocument? Current { get; private set; }

    /// <summary>Overrides the versions and weight with <paramref name="document"/>; null drops the overrides.</summary>
    public void Apply(RolloutDocument? document)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document is not null)
        {
            foreach (var (key, value) in document.Settings())
            {
                data[key] = value;
            }
        }
        Data = data;
        Current = document;
        OnReload();
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}
