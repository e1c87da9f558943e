namespace LeapEngine.Cli.Check;

/// <summary>Inclusive bounds; at least one is given.</summary>
public sealed record FigureRange(double? Min, double? Max)
{
    public bool Contains(double value) => (Min is not { } lo || value >= lo) && (Max is not { } hi || value <= hi);

    public string Describe(string figure) => (Min, Max) switch
    {
        ({ } lo, { } hi) => $"{Num(lo)} ≤ {figure} ≤ {Num(hi)}",
        ({ } lo, null) => $"{figure} ≥ {Num(lo)}",
        (null, { } hi) => $"{figure} ≤ {Num(hi)}",
        _ => figure,
    };

    public static string Num(double x) => x.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One assertion of a case (its own, or one of the config's assertions for all cases), with where it was written.</summary>
public abstract record CheckAssertion(SourceLocation At)
{
    /// <summary>A short readable statement, e.g. "attribution_share ≤ 0.5".</summary>
    public abstract string Describe();
}

/// <summary><c>log_prob_drop</c>, <c>attribution_share</c>, <c>visible_share</c> or <c>span_share</c> (then <see cref="Span"/>) in a range.</summary>
public sealed record FigureAssertion(string Figure, FigureRange Range, SourceLocation At, NamedSpan? Span = null) : CheckAssertion(At)
{
    /// <summary>The key the figure has in a measurement and a baseline: the figure, or span_share:NAME.</summary>
    public string Key => Span is null ? Figure : Figures.SpanKey(Span.Name);

    public override string Describe() => Range.Describe(Key);
}

/// <summary><c>contains</c> / <c>not_contains</c>: the completion (every repeat's) does or does not contain the text (ordinal).</summary>
public sealed record CompletionAssertion(string Text, bool MustContain, SourceLocation At) : CheckAssertion(At)
{
    public override string Describe() => $"completion {(MustContain ? "contains" : "does not contain")} \"{Text}\"";
}
