namespace Routing.Training.Episodes;

/// <summary>An episode log the trainer cannot use; the message names the file, and the line and field where there is one.</summary>
public sealed class EpisodeLogException : Exception
{
    public EpisodeLogException(string file, int? line, string? field, string problem)
        : base(Format(file, line, field, problem))
    {
        File = file;
        Line = line;
        Field = field;
    }

    public EpisodeLogException()
    {
        File = "";
    }

    public EpisodeLogException(string message)
        : base(message)
    {
        File = "";
    }

    public EpisodeLogException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "";
    }

    public string File { get; }

    /// <summary>1-based line number, or null for a problem of the whole file.</summary>
    public int? Line { get; }

    /// <summary>The JSON field at fault, or null.</summary>
    public string? Field { get; }

    private static string Format(string file, int? line, string? field, string problem) =>
        (line is { } n ? $"{file}:{n}: " : $"{file}: ") + (field is null ? problem : $"field '{field}': {problem}");
}
