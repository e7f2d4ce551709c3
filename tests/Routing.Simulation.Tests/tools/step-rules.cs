#:project ../../../services/lab/Routing.Simulation/Routing.Simulation.csproj

// Hand-written step rules on the step pair (simulator figures): how much of always-large's success a rule that
// escalates on the judgement cue (or on errors) keeps, with the shipped cue and with a perfect one (hit rate 1,
// no false alarms: the rule then knows exactly which steps are pivotal). Bounds what a step policy can learn.
// Usage (from the repository root):
//   dotnet run -c Release tests/Routing.Simulation.Tests/tools/step-rules.cs -- [tasksPerCell] [seed]
using System.Globalization;
using Routing.Simulation;
using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

var tasksPerCell = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_500;
var seed = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 99UL;
var shipped = SimulatorModel.Default.Parameters;
var rules = new (string Name, Func<StepContext, bool> Large)[]
{
    ("always-large", c => true),
    ("always-small", c => false),
    ("first step", c => c.Step == 0),
    ("first + cue", c => c.Step == 0 || c.Last.NeedsJudgement),
    ("first + cue + error", c => c.Step == 0 || c.Last.NeedsJudgement || c.Last.IsError),
    ("first + cue + 2 errors in a row", c => c.Step == 0 || c.Last.NeedsJudgement || c.Last.ConsecutiveErrors >= 2),
};

foreach (var (label, parameters) in new[]
{
    ("shipped cue", shipped),
    ("perfect cue", shipped with { Dynamics = shipped.Dynamics with { PivotalCueHitRate = 1, PivotalCueFalseAlarmRate = 0 } }),
})
{
    var model = new SimulatorModel(parameters);
    var runner = new EpisodeRunner(model, model.StepPair);
    var generator = new TaskGenerator(model, seed);
    Console.WriteLine($"{label} (SIMULATOR figures, step pair, {tasksPerCell} tasks per cell, seed {seed})");
    double largeCost = 0;
    foreach (var (name, large) in rules)
    {
        long cost = 0;
        int solved = 0, episodes = 0;
        var router = new RuleRouter(large);
        for (var d = 0; d < TaskSpace.DomainCount; d++)
        {
            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                for (var i = 0; i < tasksPerCell; i++)
                {
                    var result = runner.Run(generator.Create((Domain)d, b, i), router);
                    cost += result.CostMicros;
                    solved += result.Success ? 1 : 0;
                    episodes++;
                }
            }
        }

        var mean = cost / (double)episodes;
        largeCost = name == "always-large" ? mean : largeCost;
        Console.WriteLine($"  {name,-32} success {100.0 * solved / episodes,5:0.0} %  {mean,9:N0} µ$/task  {mean / largeCost:0.00} of always-large");
    }
}

internal sealed class RuleRouter(Func<StepContext, bool> large) : IStepRouter
{
    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) => large(context) ? context.Pool.Largest : context.Pool.Smallest;
}
