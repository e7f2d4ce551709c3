namespace Routing.Outcomes.Data;

/// <summary>
/// Bad outcome data or price table: the message names the file and, where there is one, the line and field, so
/// that a user can fix the input without reading the code.
/// </summary>
public sealed class OutcomeDataException : Exception
{
    public OutcomeDataException(string message)
        : base(message)
    {
    }

    public OutcomeDataException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>A problem at <paramref name="line"/> (1-based) of <paramref name="file"/>, in <paramref name="field"/> when given.</summary>
    public static OutcomeDataException At(string file, int line, string? field, string problem) =>
        new(field is null ? $"{file}:{line}: {problem}" : $"{file}:{line}: field '{field}': {problem}");
}
