using System.CommandLine;
using Routing.Cli.Commands;

var root = new RootCommand("routing: budget-aware model routing for LLM agents")
{
    UpCommand.Create(),
    BenchCommand.Create(),
    SimCommand.Create(),
    TrainCommand.Create(),
    EvalCommand.Create(),
    ExportCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
