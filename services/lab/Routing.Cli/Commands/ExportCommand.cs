using System.CommandLine;
using Routing.Executor.Episodes;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Cli.Commands;

/// <summary><c>routing export episodes</c>: the executor's episode log as JSON Lines for the trainer (docs/episodes.md).</summary>
public static class ExportCommand
{
    public static Command Create() => new("export", "Export data the services recorded.")
    {
        CreateEpisodes(),
    };

    private static Command CreateEpisodes()
    {
        var redis = new Option<string?>("--redis")
        {
            Description = "Redis connection string of the executor. Default: Routing__Redis__ConnectionString.",
        };
        var prefix = new Option<string>("--key-prefix") { Description = "The executor's Routing:Executor:KeyPrefix.", DefaultValueFactory = _ => new ExecutorOptions().KeyPrefix };
        var tenants = new Option<string[]>("--tenant") { Description = "Only these tenants (repeatable). Default: every tenant with a log.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "JSONL file to write. Default: standard output." };
        var command = new Command("episodes", "Write every logged step and task outcome as JSON Lines (format: docs/episodes.md).")
        {
            redis, prefix, tenants, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("Routing__Redis__ConnectionString");
            if (string.IsNullOrWhiteSpace(connection))
            {
                Console.Error.WriteLine("--redis: required (or set Routing__Redis__ConnectionString)");
                return 2;
            }
            var selected = parse.GetValue(tenants) is { Length: > 0 } names ? names : null;
            var path = parse.GetValue(output);
            try
            {
                using var multiplexer = await ConnectionMultiplexer.ConnectAsync(
                    RedisRegistration.CreateConfiguration(new RedisOptions { ConnectionString = connection }, "routing-export"));
                await using var file = path is null ? null : new StreamWriter(path);
                var count = await EpisodeExporter.ExportAsync(multiplexer.GetDatabase(), parse.GetValue(prefix)!, selected, file ?? Console.Out, cancellationToken);
                await Console.Out.FlushAsync(cancellationToken);
                Console.Error.WriteLine($"{count} episode-log lines written{(path is null ? "" : $" to {path}")}");
                return 0;
            }
            catch (RedisException e)
            {
                Console.Error.WriteLine($"--redis {connection}: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"--out {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
