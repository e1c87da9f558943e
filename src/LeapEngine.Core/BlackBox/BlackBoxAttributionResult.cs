using LeapEngine.Core.Attribution;

namespace LeapEngine.Core.BlackBox;

/// <summary>One unit of a black-box attribution: where it sits, its signed score and whether it stands out of the noise.</summary>
public sealed class BlackBoxUnitAttribution
{
    public required int Index { get; init; }
    /// <summary>Index of its message in the request's messages.</summary>
    public required int Message { get; init; }
    public required string Role { get; init; }
    /// <summary>Character offset in the message's content.</summary>
    public required int Start { get; init; }
    public required int Length { get; init; }
    public required string Text { get; init; }
    /// <summary>Drop in the completion's total score when the unit is perturbed (nats in the log-prob modes).</summary>
    public required double Score { get; init; }
    public required double[] OutputTokenScores { get; init; }
    public required double ProbabilityDrop { get; init; }
    /// <summary>|score| is within the noise floor: this unit's effect cannot be told from the endpoint's own wobble.</summary>
    public required bool BelowNoise { get; init; }
}

/// <summary>The units of one role (system, user, assistant...) together.</summary>
public sealed record RoleTotal(string Role, int Units, double Score, double AbsoluteMass, double Share);

/// <summary>
/// How much of the completion the visible user text explains: the completion's log-prob with every user unit perturbed
/// at once (<see cref="LogProbWithout"/>) against the original, in nats (<see cref="LogProbDrop"/>), per completion token
/// (<see cref="DropPerToken"/>) and as a share of the completion's surprisal without the user text
/// (<see cref="ExplainedShare"/>).
/// </summary>
public sealed record UserTextExplanation(double LogProbDrop, double LogProbWithout, double DropPerToken)
{
    /// <summary>
    /// <see cref="ExplainedShare"/> below this: something other than the visible text already makes the completion
    /// likely — a hidden system prompt that drives it, or an answer the model gives whatever it is asked
    /// (docs/black-box.md, "Spotting a hidden system prompt").
    /// </summary>
    public const double MostlyUnexplainedBelow = 0.5;

    /// <summary>
    /// The share of the completion's surprisal without the user text (-<see cref="LogProbWithout"/>) that the user text
    /// removes: drop / -log_prob_without, at most 1 (the text makes the completion certain), 0 when the completion is
    /// as likely without the text, negative when the text makes it less likely. A completion the endpoint is already
    /// sure of without the text (surprisal under 1e-6 nats) has nothing left to explain: 0.
    /// </summary>
    public double ExplainedShare => -LogProbWithout < 1e-6 ? 0 : LogProbDrop / -LogProbWithout;

    /// <summary>The completion is mostly not explained by the visible text (<see cref="MostlyUnexplainedBelow"/>).</summary>
    public bool MostlyUnexplained => ExplainedShare < MostlyUnexplainedBelow;
}

public sealed class BlackBoxAttributionResult
{
    /// <summary>The endpoint's base URL and model (never its key).</summary>
    public required string Endpoint { get; init; }
    public required string Model { get; init; }
    /// <summary>teacher_forced, regenerate_top_logprobs or text_similarity (see docs/black-box.md for what each measures).</summary>
    public required string ScoringMode { get; init; }
    /// <summary>Why this mode: asked for, or chosen from the probe.</summary>
    public required string ScoringReason { get; init; }
    public required string Method { get; init; }
    public required string Unit { get; init; }
    public required string Perturbation { get; init; }
    /// <summary>The template teacher_forced rendered the messages with (null in the chat modes: the endpoint renders).</summary>
    public string? Template { get; init; }
    public required string CompletionText { get; init; }
    public required IReadOnlyList<string> CompletionTokens { get; init; }
    public required bool CompletionGenerated { get; init; }
    public required double CompletionLogProb { get; init; }
    public required double[] CompletionTokenLogProbs { get; init; }
    public required IReadOnlyList<BlackBoxUnitAttribution> Units { get; init; }
    public required IReadOnlyList<RoleTotal> Roles { get; init; }
    public SystemPromptInfluence? SystemPrompt { get; init; }
    public UserTextExplanation? UserText { get; init; }
    /// <summary>Largest |change| of the completion's total score over repeated unperturbed calls (0: the endpoint repeats itself exactly).</summary>
    public required double NoiseFloor { get; init; }
    public required int NoiseSamples { get; init; }
    /// <summary>Perturbed (and repeated) prompts scored.</summary>
    public required long Evaluations { get; init; }
    /// <summary>HTTP calls made, retries included: what the job is metered in.</summary>
    public required long Calls { get; init; }
    public required long Retries { get; init; }
    /// <summary>The most calls the plan allowed (the reservation).</summary>
    public required long PlannedCalls { get; init; }
    public HipeOptions? Hipe { get; init; }
    public int? HipeStages { get; init; }
    public IReadOnlyList<HipeChunkScore>? HipeChunks { get; init; }
}
