namespace LeapEngine.Cli.Check;

/// <summary>One unit of an attribution result: where it is (segment, character offset in the segment's text) and its score.</summary>
public sealed record UnitScore(string Segment, int Start, int Length, double Score);

/// <summary>
/// One measurement of one case, from the server's attribution job or the engine in-process: the completion and the
/// engine's system-prompt figures, and the units (for the visible and span shares). An endpoint target's run also
/// carries the user text's explained share, the scoring mode that ran and the endpoint calls it made.
/// </summary>
public sealed record CaseRun(string Completion, double LogProbDrop, double AttributionShare, IReadOnlyList<UnitScore> Units,
    double? ExplainedShare = null, string? ScoringMode = null, long? EndpointCalls = null);

/// <summary>A figure over a case's repeats: mean, sample standard deviation (0 for one repeat), count.</summary>
public sealed record FigureStats(double Mean, double StdDev, int N)
{
    public static FigureStats Of(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double sd = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new FigureStats(mean, sd, values.Count);
    }
}

/// <summary>
/// The figures a check gates on. <c>log_prob_drop</c> and <c>attribution_share</c> are the engine's own (the completion's
/// log-probability lost without the system turn; the system units' share of the absolute attribution mass). The other two
/// are computed here from the result's units, so server and --local agree by construction:
/// <c>visible_share</c>, the share of the absolute attribution mass on the visible text (every unit outside the system
/// prompt: how much of the completion the text a user sees explains), and <c>span_share:NAME</c>, the share held by the
/// system-prompt units that overlap the named span.
/// </summary>
public static class Figures
{
    public const string LogProbDrop = "log_prob_drop", AttributionShare = "attribution_share", VisibleShare = "visible_share",
        SpanShare = "span_share", ExplainedShare = "explained_share";

    public const string SystemSegment = "system";

    /// <summary>The figures an assertion may name (span_share also needs a span).</summary>
    public static IReadOnlyList<string> Names { get; } = [LogProbDrop, AttributionShare, VisibleShare, ExplainedShare, SpanShare];

    public static bool IsShare(string figure) => figure != LogProbDrop;

    public static string SpanKey(string span) => $"{SpanShare}:{span}";

    /// <summary>Every figure of one run, keyed as assertions and baselines name them.</summary>
    public static Dictionary<string, double> Of(CaseRun run, IReadOnlyList<NamedSpan> spans)
    {
        double mass = run.Units.Sum(u => Math.Abs(u.Score));
        double Share(Func<UnitScore, bool> which) => mass > 0 ? run.Units.Where(which).Sum(u => Math.Abs(u.Score)) / mass : 0;
        var figures = new Dictionary<string, double>
        {
            [LogProbDrop] = run.LogProbDrop,
            [AttributionShare] = run.AttributionShare,
            [VisibleShare] = Share(u => !IsSystem(u)),
        };
        if (run.ExplainedShare is { } explained) figures[ExplainedShare] = explained;
        foreach (var span in spans)
            figures[SpanKey(span.Name)] = Share(u => IsSystem(u) && u.Start < span.End && u.Start + u.Length > span.Start);
        return figures;
    }

    /// <summary>Mean and spread of every figure over a case's repeats.</summary>
    public static Dictionary<string, FigureStats> Over(IReadOnlyList<CaseRun> runs, IReadOnlyList<NamedSpan> spans)
    {
        var each = runs.Select(r => Of(r, spans)).ToList();
        return each[0].Keys.ToDictionary(k => k, k => FigureStats.Of(each.Select(f => f[k]).ToList()));
    }

    private static bool IsSystem(UnitScore u) => u.Segment.Equals(SystemSegment, StringComparison.OrdinalIgnoreCase);
}
