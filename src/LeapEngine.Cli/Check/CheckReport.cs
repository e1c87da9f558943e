namespace LeapEngine.Cli.Check;

public enum Verdict { Passed, Failed, Skipped }

/// <summary>
/// One verdict: an assertion of a case, or (<see cref="IsDrift"/>) one figure compared with the baseline. Every report —
/// terminal, JUnit, JSON, SARIF, GitHub annotations — is written from these.
/// </summary>
public sealed record AssertionOutcome(
    string Case,
    string Name,
    Verdict Verdict,
    string Message,
    SourceLocation At,
    bool IsDrift = false,
    string? Figure = null,
    double? Value = null,
    double? Min = null,
    double? Max = null)
{
    public bool Failed => Verdict == Verdict.Failed;
}

/// <summary>A case's measurements (over its repeats) and its verdicts; an endpoint target's also the scoring mode(s) that
/// ran and the endpoint calls the repeats made.</summary>
public sealed record CaseOutcome(CheckCase Case, IReadOnlyList<string> Completions, IReadOnlyDictionary<string, FigureStats> Figures,
    IReadOnlyList<AssertionOutcome> Outcomes, TimeSpan Elapsed, IReadOnlyList<string>? ScoringModes = null, long? EndpointCalls = null)
{
    /// <summary>The case's scoring mode(s) as the reports write them ("a/b" if its repeats differed), null for a model.</summary>
    public string? ScoringMode => ScoringModes is { Count: > 0 } modes ? string.Join("/", modes) : null;
}

/// <summary>A whole check: what ran where, each case's outcome, and what happened to the baseline.</summary>
public sealed record CheckReport(CheckConfig Config, string Source, IReadOnlyList<CaseOutcome> Cases, string BaselineNote, TimeSpan Elapsed)
{
    public IEnumerable<AssertionOutcome> All => Cases.SelectMany(c => c.Outcomes);
    public int PassedCount => All.Count(o => o.Verdict == Verdict.Passed);
    public int FailedCount => All.Count(o => o.Verdict == Verdict.Failed);
    public int SkippedCount => All.Count(o => o.Verdict == Verdict.Skipped);
    public bool Passed => FailedCount == 0;

    /// <summary>The scoring mode(s) of an endpoint target's runs ("teacher_forced"; "a/b" if they differed), null for a model.</summary>
    public string? ScoringMode => ScoringOf(Cases);

    /// <summary>Endpoint calls over all cases and repeats (null for a model).</summary>
    public long? EndpointCalls => Cases.Any(c => c.EndpointCalls is not null) ? Cases.Sum(c => c.EndpointCalls ?? 0) : null;

    public static string? ScoringOf(IEnumerable<CaseOutcome> cases)
    {
        var modes = cases.SelectMany(c => c.ScoringModes ?? []).Distinct().Order(StringComparer.Ordinal).ToList();
        return modes.Count == 0 ? null : string.Join("/", modes);
    }
}
