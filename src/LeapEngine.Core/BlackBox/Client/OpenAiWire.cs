using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeapEngine.Core.BlackBox.Client;

// The OpenAI wire format, only the fields LeapEngine sends or reads (plus vLLM's prompt_logprobs).
// Unknown fields in answers are ignored; absent optional ones are null.

public static class OpenAiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

public sealed record ChatMessage(string Role, string Content);

public sealed record ChatRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public bool? Logprobs { get; init; }
    public int? TopLogprobs { get; init; }
    public int? Seed { get; init; }
}

public sealed record ChatResponse
{
    public IReadOnlyList<ChatChoice>? Choices { get; init; }
}

public sealed record ChatChoice
{
    public ChatMessageOut? Message { get; init; }
    public ChatLogprobs? Logprobs { get; init; }
    public string? FinishReason { get; init; }
}

public sealed record ChatMessageOut(string? Role, string? Content);

public sealed record ChatLogprobs
{
    public IReadOnlyList<ChatTokenLogprob>? Content { get; init; }
}

public sealed record ChatTokenLogprob
{
    public string Token { get; init; } = "";
    public double Logprob { get; init; }
    public IReadOnlyList<TopLogprob>? TopLogprobs { get; init; }
}

public sealed record TopLogprob(string Token, double Logprob);

public sealed record CompletionRequest
{
    public required string Model { get; init; }
    public required string Prompt { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public bool? Echo { get; init; }
    /// <summary>Completions take an integer: how many top log-probs per position (0 = the chosen token's only).</summary>
    public int? Logprobs { get; init; }
    /// <summary>vLLM's extension: log-probs of the prompt's own tokens (and this many top ones).</summary>
    public int? PromptLogprobs { get; init; }
}

public sealed record CompletionResponse
{
    public IReadOnlyList<CompletionChoice>? Choices { get; init; }
}

public sealed record CompletionChoice
{
    public string? Text { get; init; }
    public CompletionLogprobs? Logprobs { get; init; }
    /// <summary>vLLM: one entry per prompt token (null for the first), token id → its log-prob.</summary>
    public IReadOnlyList<Dictionary<string, PromptLogprob>?>? PromptLogprobs { get; init; }
}

public sealed record CompletionLogprobs
{
    public IReadOnlyList<string>? Tokens { get; init; }
    public IReadOnlyList<double?>? TokenLogprobs { get; init; }
    public IReadOnlyList<int>? TextOffset { get; init; }
}

public sealed record PromptLogprob
{
    public double Logprob { get; init; }
    public int? Rank { get; init; }
    public string? DecodedToken { get; init; }
}

/// <summary>vLLM's POST /tokenize.</summary>
public sealed record TokenizeRequest(string Model, string Prompt, bool? AddSpecialTokens = null, bool? ReturnTokenStrs = null);

public sealed record TokenizeResponse
{
    public IReadOnlyList<int>? Tokens { get; init; }
    public IReadOnlyList<string>? TokenStrs { get; init; }
}
