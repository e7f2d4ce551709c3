using System.CommandLine;
using Routing.Cli.Hosting;
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
        var command = new Command("up", "Start every Routing service on loopback (embedded Redis-compatible server unless Redis is configured).")
        {
            redis, bind, anyPorts,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("Routing__Redis__ConnectionString");
            LocalStack stack;
            try
            {
                stack = await LocalStack.StartAsync(connection, parse.GetValue(bind)!, parse.GetValue(anyPorts), "simple", cancellationToken);
            }
            catch (RedisUnreachableException e)
            {
                await Console.Error.WriteLineAsync($"routing up: {e.Message}");
                return 1;
            }
            await using var _ = stack;
            PrintEndpoints(stack);
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

    private static void PrintEndpoints(LocalStack stack)
    {
        var table = new Table().AddColumns("service", "gRPC", "metrics");
        foreach (var service in stack.Services)
        {
            table.AddRow(service.Name, service.GrpcAddress, service.MetricsAddress);
        }
        table.AddRow("redis", stack.RedisIsEmbedded ? $"{stack.RedisConnectionString} (embedded Garnet, in memory)" : stack.RedisConnectionString, "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"OpenAI-compatible endpoint: [bold]{Markup.Escape(stack.ExecutorOpenAiAddress)}[/], API key [bold]{LocalStack.DevApiKey}[/] (tenant '{LocalStack.DevTenant}'), agents: the in-process simulator's.");
        AnsiConsole.MarkupLine("Routing is up. Press [bold]Ctrl-C[/] to stop.");
        // A plain line that scripts and tests can wait for.
        Console.WriteLine("READY " + string.Join(' ', stack.Services.Select(s => $"{s.Name}={s.GrpcAddress}")) + $" openai={stack.ExecutorOpenAiAddress} "
            + string.Join(' ', stack.Services.Select(s => $"{s.Name}_metrics={s.MetricsAddress}")));
    }
}
