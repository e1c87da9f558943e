using LeapEngine.Jobs.Attribution.Contracts;
using Engine = LeapEngine.Core.Attribution;

namespace LeapEngine.Jobs.Attribution.Results;

/// <summary>
/// The stored result of a white-box attribution job (GET /v1/jobs/{id} "result", the viewer's heatmap data): the API's
/// contract, mapped from the engine's <see cref="Engine.AttributionResult"/> so a Core rename cannot change what clients
/// read. Field for field, in the same order, what the engine reports (docs/attribution.md describes each).
/// </summary>
public sealed record AttributionJobResult
{
    public required string ModelId { get; init; }
    public required string Method { get; init; }
    public required string Unit { get; init; }
    public required string Perturbation { get; init; }
    public required string Template { get; init; }
    public required string EvaluationMode { get; init; }
    /// <summary>The prompt as the model saw it (template markers included).</summary>
    public required string PromptText { get; init; }
    public required int PromptTokens { get; init; }
    public required string CompletionText { get; init; }
    public required int[] CompletionIds { get; init; }
    /// <summary>Each completion token's surface text, for labelling the unit x output matrix.</summary>
    public required string[] CompletionTokens { get; init; }
    /// <summary>Whether the completion was the model's own greedy continuation (false: given by the caller).</summary>
    public required bool CompletionGenerated { get; init; }
    public required double CompletionLogProb { get; init; }
    public required double[] CompletionTokenLogProbs { get; init; }
    public required IReadOnlyList<UnitAttribution> Units { get; init; }
    public required IReadOnlyList<SegmentTotal> Segments { get; init; }
    public SystemPromptInfluence? SystemPrompt { get; init; }
    /// <summary>Perturbed prompts the model scored, the unperturbed one included (faithfulness excluded).</summary>
    public required int Evaluations { get; init; }
    /// <summary>Evaluations of everything: attribution, system influence and faithfulness.</summary>
    public required long TotalEvaluations { get; init; }
    public required long ForwardPasses { get; init; }
    public required long ForwardTokens { get; init; }
    /// <summary>The HiPe options the search ran with (null for ItP), in the request's shape.</summary>
    public HipeOptions? Hipe { get; init; }
    public int? HipeStages { get; init; }
    /// <summary>HiPe's search, stage by stage: every chunk of each stage, its score and whether it was split (null for ItP).</summary>
    public IReadOnlyList<HipeChunkScore>? HipeChunks { get; init; }
    public FaithfulnessReport? Faithfulness { get; init; }

    public static AttributionJobResult From(Engine.AttributionResult r) => new()
    {
        ModelId = r.ModelId, Method = r.Method, Unit = r.Unit, Perturbation = r.Perturbation, Template = r.Template,
        EvaluationMode = r.EvaluationMode, PromptText = r.PromptText, PromptTokens = r.PromptTokens, CompletionText = r.CompletionText,
        CompletionIds = r.CompletionIds, CompletionTokens = r.CompletionTokens, CompletionGenerated = r.CompletionGenerated,
        CompletionLogProb = r.CompletionLogProb, CompletionTokenLogProbs = r.CompletionTokenLogProbs,
        Units = r.Units.Select(UnitAttribution.From).ToList(), Segments = r.Segments.Select(SegmentTotal.From).ToList(),
        SystemPrompt = r.SystemPrompt is { } s ? SystemPromptInfluence.From(s) : null,
        Evaluations = r.Evaluations, TotalEvaluations = r.TotalEvaluations, ForwardPasses = r.ForwardPasses, ForwardTokens = r.ForwardTokens,
        Hipe = r.Hipe is { } h ? Echo(h) : null, HipeStages = r.HipeStages,
        HipeChunks = r.HipeChunks?.Select(c => new HipeChunkScore(c.Stage, c.Start, c.End, c.Score, c.Split)).ToList(),
        Faithfulness = r.Faithfulness is { } f ? FaithfulnessReport.From(f) : null,
    };

    /// <summary>The options as the request spells them (the request's own contract type, so the echo and the input agree).</summary>
    private static HipeOptions Echo(Engine.HipeOptions h) => new()
    {
        Mode = h.Mode, InitialChunkSize = h.InitialChunkSize, Threshold = h.Threshold, StaticThreshold = h.StaticThreshold, RelativeThreshold = h.RelativeThreshold,
        MaxSplitsPerStage = h.MaxSplitsPerStage, MaxDepth = h.MaxDepth, MinSaliency = h.MinSaliency, Aggregation = h.Aggregation, Saliency = h.Saliency,
    };
}
