using System.Globalization;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Observations;

/// <summary>
/// Renders observations as the text real agent traffic carries (tool output, tracebacks, HTTP errors), so
/// text features and the HTTP backend see realistic messages. Wording depends only on the observation.
/// </summary>
internal static class ObservationText
{
    private static readonly string[] Queries = ["population of Tallinn 1897", "first ascent of K2 expedition leader", "CRISPR patent priority date", "IEEE 754-2019 changes", "Rust 1.0 release day", "longest serving Finnish PM"];
    private static readonly string[] Files = ["src/parser.py", "lib/cache.ts", "pkg/router/route.go", "src/Ledger.cs", "app/models/user.rb", "core/io.rs"];
    private static readonly string[] Tests = ["test_roundtrip", "test_empty_input", "test_unicode_names", "test_concurrent_writes", "test_timeout_is_honoured"];
    private static readonly string[] Exceptions = ["TypeError: 'NoneType' object is not subscriptable", "KeyError: 'id'", "IndexError: list index out of range", "AttributeError: 'dict' object has no attribute 'items_'", "ValueError: invalid literal for int() with base 10: ''"];
    private static readonly string[] Warnings = ["DeprecationWarning: datetime.utcnow() is deprecated", "warning: unused variable `tmp`", "note: 3 results were truncated to fit the context", "robots.txt disallows 1 of 8 result pages; skipped"];
    private static readonly int[] HttpCodes = [403, 404, 429, 500, 502, 503];
    private static readonly string[] SearchJudgementNotes = ["note: sources disagree: 2 results give conflicting figures for the same quantity", "note: the question is ambiguous; the name matches 3 different entities", "note: the most cited source contradicts the official record", "note: results are inconsistent across dates; check which edition the question means"];
    private static readonly string[] CodingJudgementNotes = ["note: the spec and the existing tests disagree about empty input", "note: an unrelated test started failing after the change: tests/test_io.py::test_flush_order", "note: two call sites rely on contradictory behaviour of this function", "note: the failing assertion contradicts the docstring; unclear which one is wrong"];

    public static string RenderTool(in StepObservation o, Domain domain)
    {
        var v = o.Variant;
        var body = o.Kind switch
        {
            ObservationKind.Progress when domain == Domain.Search => $"search(\"{Pick(Queries, v)}\") → {3 + (v % 8)} results; top: example.org/{v % 97}",
            ObservationKind.Progress => $"$ pytest -q\n{5 + (v % 40)} passed in {Seconds(v)}s",
            ObservationKind.Warning => Pick(Warnings, v),
            ObservationKind.FinalAnswer => "submit_answer: accepted for grading",
            ObservationKind.Looping => "assistant repeated the previous tool call with identical arguments",
            ObservationKind.NoResults => $"search(\"{Pick(Queries, v)}\") → 0 results",
            ObservationKind.HttpError => $"fetch failed: HTTP {Pick(HttpCodes, v)} from example.org/{v % 97}",
            ObservationKind.ParseError => "extract_table: could not parse HTML table (no <tbody> found)",
            ObservationKind.CompileError => $"{Pick(Files, v)}:{10 + (v % 300)}: error: expected ';' before '}}' token",
            ObservationKind.TestFailure => $"$ pytest -q\nFAILED tests/test_core.py::{Pick(Tests, v)} - AssertionError\n{1 + (v % 4)} failed, {5 + (v % 30)} passed",
            ObservationKind.RuntimeError => $"Traceback (most recent call last):\n  File \"{Pick(Files, v)}\", line {10 + (v % 300)}, in <module>\n{Pick(Exceptions, v)}",
            ObservationKind.Timeout => $"tool call timed out after {Seconds(v)}s",
            _ => "",
        };
        if (o.NeedsJudgement)
        {
            body += "\n" + Pick(domain == Domain.Search ? SearchJudgementNotes : CodingJudgementNotes, v / 7);
        }

        return o.Retries == 0
            ? body
            : string.Create(CultureInfo.InvariantCulture, $"[retry {o.Retries}/3 after transient error]\n{body}");
    }

    public static string RenderAssistant(in StepObservation o, Domain domain)
    {
        var confidence = o.Confidence.ToString("0.00", CultureInfo.InvariantCulture);
        return o.Kind switch
        {
            ObservationKind.FinalAnswer => $"Final answer submitted. Confidence: {confidence}",
            ObservationKind.Looping => $"I apologize for the confusion. Let me try that again. Confidence: {confidence}",
            _ when o.IsError => $"That did not work; I will adjust the approach. Confidence: {confidence}",
            _ when domain == Domain.Search => $"Found relevant sources; continuing the search. Confidence: {confidence}",
            _ => $"Applied the change; moving to the next part. Confidence: {confidence}",
        };
    }

    private static T Pick<T>(T[] items, int variant) => items[variant % items.Length];

    private static string Seconds(int variant) => (0.5 + ((variant % 300) / 10.0)).ToString("0.0", CultureInfo.InvariantCulture);
}
