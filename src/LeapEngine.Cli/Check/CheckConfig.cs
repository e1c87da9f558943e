namespace LeapEngine.Cli.Check;

/// <summary>Where something was written: a file and a 1-based line and column, for errors and CI annotations.</summary>
public sealed record SourceLocation(string File, int Line, int Column = 1)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// A <c>leap.yaml</c> as read and validated by <see cref="CheckConfigReader"/>: what to run (a served model or a black-box
/// endpoint), one system prompt, the cases and their assertions.
/// docs/ci.md is the reference for every field.
/// </summary>
public sealed record CheckConfig(
    string Path,
    CheckTarget Target,
    SystemPrompt SystemPrompt,
    IReadOnlyList<NamedSpan> Spans,
    CheckSettings Settings,
    BaselineSettings Baseline,
    IReadOnlyList<CheckCase> Cases);

/// <summary>The system prompt's text and where it came from (inline in the config, or a file next to it).</summary>
public sealed record SystemPrompt(string Text, SourceLocation At, string? FilePath)
{
    /// <summary>Where the character at <paramref name="offset"/> of the prompt is: in its file, or at the prompt's key in the config.</summary>
    public SourceLocation LocationOf(int offset)
    {
        if (FilePath is null) return At;
        int line = 1, column = 1;
        for (int i = 0; i < offset && i < Text.Length; i++)
        {
            if (Text[i] == '\n') { line++; column = 1; }
            else column++;
        }
        return new SourceLocation(FilePath, line, column);
    }
}

/// <summary>A named part of the system prompt (<c>spans: {persona: "You are a pirate"}</c>): its characters [Start, Start+Length).</summary>
public sealed record NamedSpan(string Name, int Start, int Length, SourceLocation At)
{
    public int End => Start + Length;
}

/// <summary>
/// The attribution settings every case runs with, and how many times each case is measured. <see cref="Scoring"/> is an
/// endpoint target's scoring mode (auto: the best the endpoint offers); a model is always scored exactly.
/// </summary>
public sealed record CheckSettings(string Method, string Unit, string Perturbation, string Template, int MaxNewTokens, int Repeats,
    string Scoring = CheckSettings.AutoScoring)
{
    public const int MaxRepeats = 20;
    public const string AutoScoring = "auto";
    public static CheckSettings Default { get; } = new("itp", "word", "remove", "auto", 16, 1);

    /// <summary>An endpoint's defaults: its messages are rendered with the plain template (auto needs the model's own tokenizer).</summary>
    public static CheckSettings EndpointDefault { get; } = Default with { Template = "plain" };
}

/// <summary>
/// How a run is compared with its baseline: a figure drifted when it moved from the baseline's mean by more than
/// max(K × the baseline's standard deviation over its repeats, the figure's absolute floor).
/// </summary>
public sealed record BaselineSettings(string File, double K, double LogProbDropFloor, double ShareFloor)
{
    public const double DefaultK = 3, DefaultLogProbDropFloor = 0.1, DefaultShareFloor = 0.02;

    public double FloorOf(string figure) => figure == Figures.LogProbDrop ? LogProbDropFloor : ShareFloor;
}

/// <summary>One prompt to measure: the user turn (or several turns), an optional completion to score, its assertions.</summary>
public sealed record CheckCase(string Name, IReadOnlyList<CaseMessage> Messages, string? Completion, IReadOnlyList<CheckAssertion> Assertions,
    SourceLocation At);

/// <summary>A turn after the system prompt: its role (the engine's segment name) and text.</summary>
public sealed record CaseMessage(string Role, string Content);
