using LeapEngine.Core.BlackBox.Scoring;

namespace LeapEngine.Core.BlackBox.Probe;

/// <summary>What an endpoint offers, as measured by <see cref="EndpointProbe"/>; the scoring mode is chosen from it.</summary>
public sealed record EndpointCapabilities
{
    /// <summary>chat/completions answers with logprobs.content.</summary>
    public required bool ChatLogprobs { get; init; }
    /// <summary>Most top_logprobs per position the chat route accepted and returned (0: none).</summary>
    public required int TopLogprobs { get; init; }
    /// <summary>completions with echo + logprobs returns the prompt's tokens, log-probs and text offsets.</summary>
    public required bool CompletionsEcho { get; init; }
    /// <summary>completions accepts vLLM's prompt_logprobs.</summary>
    public required bool PromptLogprobs { get; init; }
    /// <summary>POST /tokenize (vLLM) answers with token ids.</summary>
    public required bool Tokenize { get; init; }
    /// <summary>Repeated temperature-0 calls gave the same text (null: not measured, no route answered).</summary>
    public required bool? DeterministicAtTemperatureZero { get; init; }
    /// <summary>Why a capability was found missing: the endpoint's own answers, shortened.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
    /// <summary>Calls the probe made.</summary>
    public required long Calls { get; init; }

    /// <summary>The best mode this endpoint supports: teacher-forced where the prompt's log-probs are offered, else regenerate with top-k, else text similarity.</summary>
    public ScoringMode BestMode => CompletionsEcho || PromptLogprobs ? ScoringMode.TeacherForced
        : ChatLogprobs && TopLogprobs > 0 ? ScoringMode.RegenerateTopLogprobs
        : ScoringMode.TextSimilarity;

    /// <summary>Whether <paramref name="mode"/> can run here; if not, why.</summary>
    public string? Unsupported(ScoringMode mode) => mode switch
    {
        ScoringMode.TeacherForced when !(CompletionsEcho || PromptLogprobs) =>
            "teacher_forced needs the prompt's log-probs (completions echo or prompt_logprobs), which this endpoint does not offer",
        ScoringMode.RegenerateTopLogprobs when !(ChatLogprobs && TopLogprobs > 0) =>
            "regenerate_top_logprobs needs chat completions with top_logprobs, which this endpoint does not offer",
        _ => null,
    };
}
