using System.Reflection;
using Routing.ServiceDefaults.Redis;

namespace Routing.Budget.Ledger;

/// <summary>The ledger's Lua scripts, each with the shared prelude, loaded once from embedded resources.</summary>
public sealed class LedgerScripts
{
    public static readonly LedgerScripts Instance = new();

    private LedgerScripts()
    {
        var prelude = Read("prelude");
        OpenTask = Compose(prelude, "open_task");
        Reserve = Compose(prelude, "reserve");
        Commit = Compose(prelude, "commit");
        Release = Compose(prelude, "release");
        GetTask = Compose(prelude, "get_task");
        CloseTask = Compose(prelude, "close_task");
        Tenant = Compose(prelude, "tenant");
        Sweep = Compose(prelude, "sweep");
    }

    public RedisScript OpenTask { get; }
    public RedisScript Reserve { get; }
    public RedisScript Commit { get; }
    public RedisScript Release { get; }
    public RedisScript GetTask { get; }
    public RedisScript CloseTask { get; }
    public RedisScript Tenant { get; }
    public RedisScript Sweep { get; }

    private static RedisScript Compose(string prelude, string name) => new(name, prelude + "\n" + Read(name));

    private static string Read(string name)
    {
        var resource = $"Routing.Budget.Ledger.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
