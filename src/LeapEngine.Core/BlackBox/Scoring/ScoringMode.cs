namespace LeapEngine.Core.BlackBox.Scoring;

/// <summary>How a black-box scorer reads "how much does this prompt still support the completion".</summary>
public enum ScoringMode
{
    /// <summary>
    /// Exact: the completion is appended to the perturbed prompt and the endpoint returns the
    /// prompt's own token log-probs (completions <c>echo</c> + <c>logprobs</c>, or vLLM's
    /// <c>prompt_logprobs</c>); the completion's tokens are read off the end. Same numbers as white-box.
    /// </summary>
    TeacherForced,
    /// <summary>
    /// Approximate: the endpoint regenerates at temperature 0 with <c>top_logprobs</c>; each
    /// original completion token is looked up in the returned top-k at its position. A token
    /// outside the top-k, and every position after the regeneration left the original
    /// completion, is charged the floor: the lowest log-prob the endpoint returned at that
    /// position (at the divergence for positions after it), an upper bound on the true value.
    /// </summary>
    RegenerateTopLogprobs,
    /// <summary>
    /// Last resort (no log-probs at all): the endpoint regenerates at temperature 0 and the new
    /// text is compared with the original; the one "position" scores ln(similarity), similarity
    /// being the word-level longest-common-subsequence F1 (floored at 0.001). Not in nats of probability.
    /// </summary>
    TextSimilarity,
}
