namespace LeapEngine.Core.Attribution;

/// <summary>Which HiPe search runs.</summary>
public enum HipeMode
{
    /// <summary>LeapEngine's search (<see cref="HierarchicalPerturbation"/>): overlapping chunks, the threshold rule, beam and aggregation set below.</summary>
    Default,
    /// <summary>
    /// The search of Leap Laboratories' PIZZA library (<see cref="PizzaHierarchicalPerturbation"/>): non-overlapping
    /// chunks with half-size edge windows, a running cumulative |score|/|chunk| per unit, the mid-range threshold over
    /// all units, a stop when no unit reaches 0.01, and unsigned output. Reads only the initial chunk size and the
    /// depth limit; the threshold, beam, saliency, min-saliency and aggregation settings belong to the default mode.
    /// </summary>
    Pizza,
}

/// <summary>Which chunks HiPe splits further.</summary>
public enum HipeThreshold
{
    /// <summary>Mean running saliency at least the mid-range (max + min) / 2 of all units.</summary>
    MidRange,
    /// <summary>|score| above <see cref="HipeOptions.StaticThreshold"/>.</summary>
    Static,
    /// <summary>Either of the two.</summary>
    Either,
    /// <summary>
    /// Score at least <see cref="HipeOptions.RelativeThreshold"/> times the strongest chunk's score
    /// in the same stage. Scale-free (no nats to choose per model), and the strongest chunk is
    /// always split, so the search always reaches single units instead of stopping with whole
    /// chunks tied when no chunk clears a fixed threshold.
    /// </summary>
    Relative,
}

/// <summary>What of a chunk's signed score drives HiPe's search (thresholds and running saliency).</summary>
public enum HipeSaliency
{
    /// <summary>|score|: chunks that help or hurt the completion are both refined (the issue's algorithm).</summary>
    Absolute,
    /// <summary>
    /// max(score, 0): only chunks whose removal lowers the completion are refined. Answers "what
    /// supports the completion" and keeps the search off chunks whose removal raises it (e.g.
    /// distracting filler), which otherwise compete for splits. Reported scores stay signed.
    /// The default: units are ranked by signed score, so the top units are found by following support.
    /// </summary>
    Positive,
}

/// <summary>How a unit's attribution combines the chunks that covered it (each chunk contributes score / chunk size).</summary>
public enum HipeAggregation
{
    /// <summary>
    /// Mean over every chunk that covered the unit. Dilutes a unit refined down to itself by its
    /// depth (its own score is averaged with ~1/100-size shares of its big ancestors) and lends
    /// its ancestors' score to the neighbours that shared them.
    /// </summary>
    Mean,
    Sum,
    /// <summary>The smallest chunk(s) that covered the unit: its own score where HiPe got down to it (the default).</summary>
    Finest,
}

public sealed record HipeOptions
{
    /// <summary>Which search runs: LeapEngine's default or the PIZZA-faithful one.</summary>
    public HipeMode Mode { get; init; } = HipeMode.Default;
    /// <summary>Units per first-stage chunk; null = half the units (at least 2).</summary>
    public int? InitialChunkSize { get; init; }
    /// <summary>
    /// Which chunks are split. Default Relative (0.25) with Positive saliency, Finest
    /// aggregation and at most 3 splits per stage: chosen on the hipe-vs-itp benchmark (docs/attribution.md) over the issue's
    /// MidRange, which costs more and ranks the weaker key words lower.
    /// </summary>
    public HipeThreshold Threshold { get; init; } = HipeThreshold.Relative;
    /// <summary>Log-probability drop above which a chunk is split (Static and Either modes).</summary>
    public double StaticThreshold { get; init; } = 1.0;
    /// <summary>Fraction of the stage's strongest chunk score a chunk needs to be split (Relative mode), in (0, 1].</summary>
    public double RelativeThreshold { get; init; } = 0.25;
    /// <summary>
    /// Most chunks split per stage (the strongest of those the threshold admits); null = no
    /// limit. Bounds the cost at about 1 + first-stage chunks + 2 x this x stages. Default 3:
    /// with `remove`, many filler chunks clear a Relative 0.25 threshold and the search widened
    /// to 105-110 evaluations on single 200-unit prompts; 3 kept the accuracy (benchmark, docs).
    /// </summary>
    public int? MaxSplitsPerStage { get; init; } = 3;
    /// <summary>Most stages (the first-stage chunks are stage 1).</summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    private const int DefaultMaxDepth = 32;
    private static readonly HipeOptions DefaultMode = new();
    /// <summary>Stop when no unit's running saliency reaches this (nothing matters enough to refine).</summary>
    public double MinSaliency { get; init; } = 1e-4;
    public HipeAggregation Aggregation { get; init; } = HipeAggregation.Finest;
    public HipeSaliency Saliency { get; init; } = HipeSaliency.Positive;

    /// <summary>
    /// These options with the threshold rule written as text: <c>midrange</c>, <c>static:X</c>,
    /// <c>either:X</c> (X: a log-probability drop in nats) or <c>relative:R</c> (R in (0, 1]).
    /// A rule without a number keeps this record's value.
    /// </summary>
    public HipeOptions WithThreshold(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(':', 2);
        var mode = parts[0].Trim().ToLowerInvariant() switch
        {
            "midrange" => HipeThreshold.MidRange,
            "static" => HipeThreshold.Static,
            "either" => HipeThreshold.Either,
            "relative" => HipeThreshold.Relative,
            _ => throw new ArgumentException($"HiPe threshold '{spec}': use midrange, static:X, either:X or relative:R"),
        };
        if (parts.Length == 1) return this with { Threshold = mode };
        if (mode == HipeThreshold.MidRange || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out double value))
            throw new ArgumentException($"HiPe threshold '{spec}': the number after ':' must be a log-prob drop (static, either) or a fraction (relative)");
        var result = mode == HipeThreshold.Relative
            ? this with { Threshold = mode, RelativeThreshold = value }
            : this with { Threshold = mode, StaticThreshold = value };
        result.Validate();
        return result;
    }

    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"HiPe mode {(int)Mode} is not one of default, pizza");
        // The pizza search reads only the chunk size and the depth limit; a default-mode knob set with it would be ignored silently.
        if (Mode == HipeMode.Pizza && this with { Mode = HipeMode.Default, InitialChunkSize = null, MaxDepth = DefaultMaxDepth } != DefaultMode)
            throw new ArgumentException("HiPe mode pizza runs PIZZA's own mid-range rule and reads only the initial chunk size and max depth; "
                + "leave threshold, static/relative threshold, max splits per stage, min saliency, aggregation and saliency at their defaults (they set the default mode)");
        if (InitialChunkSize is < 1) throw new ArgumentException($"HiPe initial chunk size must be at least 1, got {InitialChunkSize}");
        if (MaxSplitsPerStage is < 1) throw new ArgumentException($"HiPe max splits per stage must be at least 1, got {MaxSplitsPerStage}");
        if (MaxDepth < 1) throw new ArgumentException($"HiPe max depth must be at least 1, got {MaxDepth}");
        if (StaticThreshold < 0 || double.IsNaN(StaticThreshold)) throw new ArgumentException("HiPe static threshold must be a non-negative number");
        if (!(RelativeThreshold > 0 && RelativeThreshold <= 1)) throw new ArgumentException($"HiPe relative threshold must be in (0, 1], got {RelativeThreshold}");
        if (MinSaliency < 0 || double.IsNaN(MinSaliency)) throw new ArgumentException("HiPe min saliency must be a non-negative number");
    }
}
