using System.CommandLine;
using Routing.Cli.Hosting;
using Routing.EmbeddedRedis;
using Spectre.Console;

namespace Routing.Cli.Commands;

/// <summary><c>routing up</c>: every service in one process on loopback, until Ctrl-C.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>("--redis")
        {
            Description = "Redis connection string (StackExchange.Redis format). Default: Routing__Redis__ConnectionString, else an embedded Redis-compatible server.",
        };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var anyPorts = new Option<bool>("--any-ports") { Description = "Pick free ports instead of the defaults (gRPC budget 5101, policy 5102, memory 5103, executor 5104; OpenAI HTTP 8104; metrics 9101–9104)." };
        var agents = new Option<FileInfo?>("--agents")
        {
            Description = "Serve this agent pool file (docs/agents.md: vLLM, a hosted API, 'sim:') instead of the built-in simulator; re-read when it changes.",
        };
        var tenants = new Option<FileInfo?>("--tenants")
        {
            Description = "A tenants file (docs/executor.md: names, API-key hashes, default budgets) whose tenants are served beside the dev tenant.",
        };
        var data = new Option<string?>("--data")
        {
            Description = $"Directory where the embedded server keeps ledgers, tasks and auction memory across restarts. Default: {EmbeddedRedisServer.DefaultDataDirectory()} ($XDG_DATA_HOME/routing).",
        };
        var command = new Command("up", "Start every Routing service on loopback (embedded Redis-compatible server unless Redis is configured).")
        {
            redis, bind, anyPorts, agents, tenants, data,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("Routing__Redis__ConnectionString");
            var agentsFile = parse.GetValue(agents);
            var tenantsFile = parse.GetValue(tenants);
            foreach (var (option, file) in new[] { ("--agents", agentsFile), ("--tenants", tenantsFile) })
            {
                if (file is { Exists: false })
                {
                    await Console.Error.WriteLineAsync($"{option}: '{file.FullName}' does not exist");
                    return 2;
                }
            }
            LocalStack stack;
            try
            {
                stack = await LocalStack.StartAsync(
                    connection, parse.GetValue(bind)!, parse.GetValue(anyPorts), "simple", cancellationToken,
                    agentsFile is null ? null : LocalStack.AgentPoolSettings(agentsFile.FullName), tenantsFile?.FullName,
                    parse.GetValue(data) ?? EmbeddedRedisServer.DefaultDataDirectory());
            }
            catch (Exception e) when (e is RedisUnreachableException or DataDirectoryInUseException)
            {
                await Console.Error.WriteLineAsync($"routing up: {e.Message}");
                return 1;
            }
            await using var _ = stack;
            PrintEndpoints(stack, agentsFile?.FullName);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[grey]Stopping…[/]");
            }
            return 0;
        });
        return command;
    }

    private static void PrintEndpoints(LocalStack stack, string? agentsFile)
    {
        var table = new Table().AddColumns("service", "gRPC", "metrics");
        foreach (var service in stack.Services)
        {
            table.AddRow(service.Name, service.GrpcAddress, service.MetricsAddress);
        }
        table.AddRow("redis", Markup.Escape(stack.EmbeddedRedis is { } embedded ? $"{stack.RedisConnectionString} (embedded Garnet, data in {embedded.DataDirectory})" : stack.RedisConnectionString), "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"OpenAI-compatible endpoint: [bold]{Markup.Escape(stack.ExecutorOpenAiAddress)}[/], API key [bold]{LocalStack.DevApiKey}[/] (tenant '{LocalStack.DevTenant}'), agents: {(agentsFile is null ? "the in-process simulator's" : Markup.Escape(agentsFile))}.");
        AnsiConsole.MarkupLine($"Budget, policy and memory need this run's tokens ([bold]authorization: Bearer[/] the service-token, or the admin-token for tenant administration), in [bold]{Markup.Escape(stack.Tokens.Directory)}[/].");
        AnsiConsole.MarkupLine("Routing is up. Press [bold]Ctrl-C[/] to stop.");
        // A plain line that scripts and tests can wait for.
        Console.WriteLine("READY " + string.Join(' ', stack.Services.Select(s => $"{s.Name}={s.GrpcAddress}")) + $" openai={stack.ExecutorOpenAiAddress} "
            + string.Join(' ', stack.Services.Select(s => $"{s.Name}_metrics={s.MetricsAddress}")) + $" tokens={stack.Tokens.Directory}");
    }
}
