using LeapEngine.Core.Attribution;
using Engine = LeapEngine.Core.Attribution;

namespace LeapEngine.Jobs.Attribution.Contracts;

// The wire shapes of POST /v1/attributions' nested options, owned here so a Core rename cannot change the API (the
// OpenAPI snapshot test pins them). Each keeps the Core type's name, so the OpenAPI schema ids clients generate code from
// stay as they were, and takes its defaults from the Core type (one source for each default). Only what callers may set
// is here: the operator's evaluation settings (workers, layout) are not part of the contract.

public sealed class HipeOptions
{
    private static readonly Engine.HipeOptions Defaults = new();

    public HipeMode Mode { get; set; } = Defaults.Mode;
    public int? InitialChunkSize { get; set; } = Defaults.InitialChunkSize;
    public HipeThreshold Threshold { get; set; } = Defaults.Threshold;
    public double StaticThreshold { get; set; } = Defaults.StaticThreshold;
    public double RelativeThreshold { get; set; } = Defaults.RelativeThreshold;
    public int? MaxSplitsPerStage { get; set; } = Defaults.MaxSplitsPerStage;
    public int MaxDepth { get; set; } = Defaults.MaxDepth;
    public double MinSaliency { get; set; } = Defaults.MinSaliency;
    public HipeAggregation Aggregation { get; set; } = Defaults.Aggregation;
    public HipeSaliency Saliency { get; set; } = Defaults.Saliency;

    public Engine.HipeOptions ToEngine() => new()
    {
        Mode = Mode, InitialChunkSize = InitialChunkSize, Threshold = Threshold, StaticThreshold = StaticThreshold, RelativeThreshold = RelativeThreshold,
        MaxSplitsPerStage = MaxSplitsPerStage, MaxDepth = MaxDepth, MinSaliency = MinSaliency, Aggregation = Aggregation, Saliency = Saliency,
    };
}

public sealed class FaithfulnessOptions
{
    private static readonly Engine.FaithfulnessOptions Defaults = new();

    public int Steps { get; set; } = Defaults.Steps;
    public IReadOnlyList<double> EraserFractions { get; set; } = Defaults.EraserFractions;

    public Engine.FaithfulnessOptions ToEngine() => new() { Steps = Steps, EraserFractions = EraserFractions };
}

public sealed class EvaluationOptions
{
    private static readonly Engine.EvaluationOptions Defaults = new();

    public EvaluationMode Mode { get; set; } = Defaults.Mode;
    public int MaxBatchSize { get; set; } = Defaults.MaxBatchSize;
    public int MaxBatchTokens { get; set; } = Defaults.MaxBatchTokens;

    /// <summary>The engine's options; workers and layout stay the engine's defaults (the operator's, never a caller's).</summary>
    public Engine.EvaluationOptions ToEngine() => new() { Mode = Mode, MaxBatchSize = MaxBatchSize, MaxBatchTokens = MaxBatchTokens };
}

public sealed record PromptSegment(string Name, string Text)
{
    public Engine.PromptSegment ToEngine() => new(Name, Text);
}

/// <summary>A caller-given unit: characters [start, start + length) of a segment, or with <c>endpoint</c> of messages[message].content.</summary>
public sealed record UnitSpan(string Segment, int Start, int Length)
{
    /// <summary>Index into messages (endpoint attributions only).</summary>
    public int? Message { get; init; }

    public Engine.UnitSpan ToEngine() => new(Segment, Start, Length);
}
