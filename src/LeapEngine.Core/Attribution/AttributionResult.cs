namespace LeapEngine.Core.Attribution;

/// <summary>
/// One unit's attribution. <see cref="Score"/> is the signed drop in the completion's total
/// log-probability when the unit is perturbed (positive: the unit supported the completion);
/// <see cref="OutputTokenScores"/> splits it per completion token (a row of the unit x output matrix).
/// </summary>
public sealed class UnitAttribution
{
    public required int Index { get; init; }
    public required string Text { get; init; }
    public required string Segment { get; init; }
    /// <summary>Character offset in the segment's own text.</summary>
    public required int Start { get; init; }
    public required int Length { get; init; }
    /// <summary>Positions of the unit's tokens in the rendered prompt's token sequence.</summary>
    public required int[] TokenPositions { get; init; }
    public required double Score { get; init; }
    public required double[] OutputTokenScores { get; init; }
    /// <summary>Drop in the completion tokens' summed probability.</summary>
    public required double ProbabilityDrop { get; init; }
    public required double[] OutputTokenProbabilityDrops { get; init; }
}

public sealed class SegmentTotal
{
    public required string Segment { get; init; }
    public required string Text { get; init; }
    public required int Units { get; init; }
    /// <summary>Sum of the segment's unit scores.</summary>
    public required double Score { get; init; }
    /// <summary>Sum of |unit score| over the segment.</summary>
    public required double AbsoluteMass { get; init; }
    /// <summary>The segment's share of all units' |score| (0 to 1).</summary>
    public required double Share { get; init; }
}

/// <summary>How much the system prompt drives the completion: the figure CI pipelines gate on.</summary>
public sealed class SystemPromptInfluence
{
    /// <summary>Completion log-probability with the system turn left out entirely, subtracted from the original (original − without).</summary>
    public required double LogProbDrop { get; init; }
    public required double LogProbWithout { get; init; }
    /// <summary>Share of the absolute attribution mass held by the system segment's units.</summary>
    public required double AttributionShare { get; init; }
}

public sealed class AttributionResult
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
    public HipeOptions? Hipe { get; init; }
    public int? HipeStages { get; init; }
    /// <summary>HiPe's search, stage by stage: every chunk of each stage, its score and whether it was split (null for ItP).</summary>
    public IReadOnlyList<HipeChunkScore>? HipeChunks { get; init; }
    public FaithfulnessReport? Faithfulness { get; init; }
}

/// <summary>
/// One chunk of units [<see cref="Start"/>, <see cref="End"/>) in one HiPe stage: the signed
/// drop when all its units are perturbed together, and whether HiPe split it for the next stage.
/// </summary>
public sealed record HipeChunkScore(int Stage, int Start, int End, double Score, bool Split);
