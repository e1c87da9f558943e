using LeapEngine.Core.Optimisation;

namespace LeapEngine.Jobs.Optimisation;

/// <summary>
/// The stored result of a prompt_optimisation job (GET /v1/jobs/{id} "result"): the API's contract, mapped from the
/// engine's <see cref="OptimisationResult"/> so a Core rename cannot change what clients read. Field for field what
/// the engine reports (docs/prompt-optimisation.md describes each).
/// </summary>
public sealed record PromptOptimisationJobResult
{
    public required string ModelId { get; init; }
    public required string Target { get; init; }
    public required int[] TargetIds { get; init; }
    public required OptimisationMethod Method { get; init; }
    public required long Seed { get; init; }
    public required IReadOnlyList<VerifiedPrompt> Successes { get; init; }
    public required int StepsRun { get; init; }
    public int? FirstSuccessStep { get; init; }
    public double? SecondsToFirstSuccess { get; init; }
    public required double Seconds { get; init; }
    public required IReadOnlyList<float> BestTargetNllPerStep { get; init; }
    public required int PromptsVerified { get; init; }
    public required int BackwardPasses { get; init; }
    public required long SequencesScored { get; init; }
    public required long ProposalsTaken { get; init; }
    public required long ProposalsOffered { get; init; }
    public required long Reseeds { get; init; }
    public required long Work { get; init; }
    public required bool StoppedByBudget { get; init; }
    public required string StopReason { get; init; }
    public required string Summary { get; init; }
    public required int AllowedTokens { get; init; }

    public static PromptOptimisationJobResult From(OptimisationResult r) => new()
    {
        ModelId = r.ModelId, Target = r.Target, TargetIds = r.TargetIds, Method = r.Method, Seed = r.Seed,
        Successes = r.Successes.Select(VerifiedPrompt.From).ToList(), StepsRun = r.StepsRun, FirstSuccessStep = r.FirstSuccessStep,
        SecondsToFirstSuccess = r.SecondsToFirstSuccess, Seconds = r.Seconds, BestTargetNllPerStep = r.BestTargetNllPerStep,
        PromptsVerified = r.PromptsVerified, BackwardPasses = r.BackwardPasses, SequencesScored = r.SequencesScored,
        ProposalsTaken = r.ProposalsTaken, ProposalsOffered = r.ProposalsOffered, Reseeds = r.Reseeds, Work = r.Work,
        StoppedByBudget = r.StoppedByBudget, StopReason = r.StopReason, Summary = r.Summary, AllowedTokens = r.AllowedTokens,
    };
}

/// <summary>One verified prompt of a prompt_optimisation result (the engine's <see cref="PromptSuccess"/>).</summary>
public sealed record VerifiedPrompt
{
    public required int Step { get; init; }
    public required string Phase { get; init; }
    public required int[] PromptIds { get; init; }
    public required string PromptText { get; init; }
    public required int[] FullPromptIds { get; init; }
    public required string FullPromptText { get; init; }
    public required bool TextRoundTrips { get; init; }
    public required int[] GeneratedIds { get; init; }
    public required string Generation { get; init; }
    public required double TargetLogProb { get; init; }
    public double? Perplexity { get; init; }
    public required double SecondsElapsed { get; init; }
    public required long Work { get; init; }

    public static VerifiedPrompt From(PromptSuccess s) => new()
    {
        Step = s.Step, Phase = s.Phase, PromptIds = s.PromptIds, PromptText = s.PromptText, FullPromptIds = s.FullPromptIds,
        FullPromptText = s.FullPromptText, TextRoundTrips = s.TextRoundTrips, GeneratedIds = s.GeneratedIds, Generation = s.Generation,
        TargetLogProb = s.TargetLogProb, Perplexity = s.Perplexity, SecondsElapsed = s.SecondsElapsed, Work = s.Work,
    };
}
