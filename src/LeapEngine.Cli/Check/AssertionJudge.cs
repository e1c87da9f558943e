namespace LeapEngine.Cli.Check;

/// <summary>Judges a case's measurements against its assertions.</summary>
public static class AssertionJudge
{
    public static List<AssertionOutcome> Judge(CheckConfig config, CheckCase c, IReadOnlyList<string> completions,
        IReadOnlyDictionary<string, FigureStats> figures) =>
        c.Assertions.Select(a => a switch
        {
            FigureAssertion f => Figure(config, c, f, figures.TryGetValue(f.Key, out var stats) ? stats
                : throw new InvalidOperationException($"{c.Name}: {f.Key} was not measured for this case; the result did not carry it")),
            CompletionAssertion t => Completion(c, t, completions),
            _ => throw new InvalidOperationException($"no judge for {a.GetType().Name}"),
        }).ToList();

    private static AssertionOutcome Figure(CheckConfig config, CheckCase c, FigureAssertion a, FigureStats stats)
    {
        double value = stats.Mean;
        bool passed = a.Range.Contains(value);
        var over = stats.N > 1 ? $" (mean of {stats.N} repeats, sd {FigureRange.Num(stats.StdDev)})" : "";
        string message = passed ? $"{a.Key} = {FigureRange.Num(value)}{over}"
            : value < a.Range.Min ? $"{a.Key} = {FigureRange.Num(value)}{over} is below min {FigureRange.Num(a.Range.Min.Value)}"
            : $"{a.Key} = {FigureRange.Num(value)}{over} is above max {FigureRange.Num(a.Range.Max!.Value)}";
        // A span's assertion points at the span itself when the prompt is a file (the line a reviewer changes).
        var at = a.Span is { } span && config.SystemPrompt.FilePath is not null ? config.SystemPrompt.LocationOf(span.Start) : a.At;
        return new AssertionOutcome(c.Name, a.Describe(), passed ? Verdict.Passed : Verdict.Failed, message, at,
            Figure: a.Key, Value: value, Min: a.Range.Min, Max: a.Range.Max);
    }

    private static AssertionOutcome Completion(CheckCase c, CompletionAssertion a, IReadOnlyList<string> completions)
    {
        var wrong = completions.FirstOrDefault(x => x.Contains(a.Text, StringComparison.Ordinal) != a.MustContain);
        string message = wrong is null
            ? $"the completion \"{completions[0]}\" {(a.MustContain ? "contains" : "does not contain")} \"{a.Text}\""
            : $"the completion \"{wrong}\" {(a.MustContain ? "does not contain" : "contains")} \"{a.Text}\"";
        return new AssertionOutcome(c.Name, a.Describe(), wrong is null ? Verdict.Passed : Verdict.Failed, message, a.At);
    }
}
