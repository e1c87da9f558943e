namespace LeapEngine.Api.OpenAi;

/// <summary>POST /v1/completions, in OpenAI's legacy wire format plus vLLM's prompt_logprobs (docs/openai.md).</summary>
public sealed class CompletionRequest : ISamplingRequest
{
    public string Model { get; set; } = "";
    public PromptInput? Prompt { get; set; }
    /// <summary>New tokens per choice; OpenAI's default is 16. 0 with echo or prompt_logprobs scores the prompt only.</summary>
    public int? MaxTokens { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? N { get; set; }
    public bool Stream { get; set; }
    public StreamOptionsInput? StreamOptions { get; set; }
    public StopSequences? Stop { get; set; }
    public long? Seed { get; set; }
    /// <summary>Alternatives per token, 0 to 20 (0: the token's own log-probability only); null: no log-probabilities.</summary>
    public int? Logprobs { get; set; }
    /// <summary>Return the prompt before the completion; with logprobs, the prompt's tokens are scored by teacher forcing.</summary>
    public bool Echo { get; set; }
    /// <summary>vLLM's extension: per-choice prompt_logprobs with this many alternatives per prompt position (0 to 20).</summary>
    public int? PromptLogprobs { get; set; }
    /// <summary>Accepted and ignored.</summary>
    public string? User { get; set; }
    public double? PresencePenalty { get; set; }
    public double? FrequencyPenalty { get; set; }
    /// <summary>Only 1 or n (the default) is supported: each choice is its own sample.</summary>
    public int? BestOf { get; set; }
}
