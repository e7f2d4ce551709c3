using System.Reflection;
using Routing.ServiceDefaults.Redis;

namespace Routing.Memory.Storage;

/// <summary>The memory's Lua scripts, loaded once from embedded resources.</summary>
public sealed class MemoryScripts
{
    public static readonly MemoryScripts Instance = new();

    private MemoryScripts()
    {
        Record = Load("record");
        Outcome = Load("outcome");
        Expire = Load("expire");
        Tick = Load("tick");
    }

    public RedisScript Record { get; }

    public RedisScript Outcome { get; }

    public RedisScript Expire { get; }

    public RedisScript Tick { get; }

    private static RedisScript Load(string name)
    {
        var resource = $"Routing.Memory.Storage.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return new RedisScript(name, reader.ReadToEnd());
    }
}
