using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Serving;

/// <summary>
/// One prompt to continue the way an OpenAI-compatible completion does: <see cref="Choices"/>
/// samples from the same prompt, with log-probabilities of the sampled tokens and, when asked,
/// of the prompt's own tokens (teacher forcing: each prompt token scored given the ones before it).
/// </summary>
public sealed record ServingRequest
{
    /// <summary>Token ids the network reads, BOS included where the caller wants one.</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }
    /// <summary>Independent continuations of the prompt (the prompt runs once and its cache is shared).</summary>
    public int Choices { get; init; } = 1;
    /// <summary>New tokens per choice; 0 scores the prompt only.</summary>
    public int MaxNewTokens { get; init; } = 16;
    /// <summary>0 is greedy.</summary>
    public double Temperature { get; init; } = 1;
    public double? TopP { get; init; }
    public long Seed { get; init; }
    /// <summary>Alternatives reported beside each sampled token (0: only the token's own log-probability).</summary>
    public int TopLogProbs { get; init; }
    /// <summary>Score the prompt's tokens, with this many alternatives per position; null skips scoring.</summary>
    public int? PromptLogProbs { get; init; }
    public bool StopAtEos { get; init; } = true;

    internal GenerationOptions Sampling => new() { Temperature = Temperature, TopP = TopP, Seed = Seed, MaxNewTokens = MaxNewTokens };
}
