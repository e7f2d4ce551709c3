using System.Globalization;
using Routing.Training.Bopo;
using Routing.Training.Pipeline;
using Spectre.Console;

namespace Routing.Cli.Training;

/// <summary>Draws the training stages as Spectre progress bars; BoPO bars show reward, success and cost per iteration.</summary>
internal sealed class SpectreTrainingReporter(ProgressContext context) : ITrainingReporter
{
    private readonly List<string> _messages = [];
    private ProgressTask? _current;

    /// <summary>Messages (class counts, data sizes) to print once the bars are done.</summary>
    public IReadOnlyList<string> Messages => _messages;

    public void BeginStage(string name, int total)
    {
        if (_current is not null)
        {
            _current.Value = _current.MaxValue;
        }

        _current = context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, total));
    }

    public void Advance() => _current?.Increment(1);

    public void Iteration(IterationStats stats)
    {
        if (_current is null)
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture,
            $"{stats.Variant} it {stats.Iteration}/{stats.Iterations} · reward {stats.MeanReward:F3} · success {stats.SuccessRate:P1} · cost {stats.MeanCostMicros:N0} µ$ · large {stats.LargeShare:P0}");
        _current.Description = Markup.Escape(line);
        _current.Increment(1);
        if (Console.IsErrorRedirected)
        {
            // A log file gets every iteration as a line; a terminal sees the live bar.
            Console.Error.WriteLine(line);
        }
    }

    public void Message(string text)
    {
        lock (_messages)
        {
            _messages.Add(text);
        }

        context.AddTask(Markup.Escape(text), maxValue: 1).Value = 1;
        if (Console.IsErrorRedirected)
        {
            Console.Error.WriteLine(text);
        }
    }
}
