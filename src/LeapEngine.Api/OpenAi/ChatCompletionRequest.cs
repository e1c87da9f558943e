namespace LeapEngine.Api.OpenAi;

/// <summary>POST /v1/chat/completions, in OpenAI's wire format (the fields LeapEngine honours; docs/openai.md).</summary>
public sealed class ChatCompletionRequest : ISamplingRequest
{
    public string Model { get; set; } = "";
    public List<ChatMessage>? Messages { get; set; }
    public int? MaxTokens { get; set; }
    /// <summary>OpenAI's newer name for max_tokens; give one of the two.</summary>
    public int? MaxCompletionTokens { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? N { get; set; }
    public bool Stream { get; set; }
    public StreamOptionsInput? StreamOptions { get; set; }
    public StopSequences? Stop { get; set; }
    public long? Seed { get; set; }
    public bool Logprobs { get; set; }
    public int? TopLogprobs { get; set; }
    /// <summary>Accepted and ignored (OpenAI uses it for abuse monitoring).</summary>
    public string? User { get; set; }
    /// <summary>Only 0 (the default) is supported.</summary>
    public double? PresencePenalty { get; set; }
    /// <summary>Only 0 (the default) is supported.</summary>
    public double? FrequencyPenalty { get; set; }
}

/// <summary>One chat message: role system, developer (read as system), user or assistant.</summary>
public sealed class ChatMessage
{
    public string Role { get; set; } = "";
    public MessageContent? Content { get; set; }
    /// <summary>Accepted and ignored.</summary>
    public string? Name { get; set; }
}

/// <summary>stream_options: include_usage adds a last chunk with the usage and no choices.</summary>
public sealed class StreamOptionsInput
{
    public bool IncludeUsage { get; set; }
}

/// <summary>The sampling fields chat and completions share.</summary>
public interface ISamplingRequest
{
    string Model { get; }
    double? Temperature { get; }
    double? TopP { get; }
    int? N { get; }
    bool Stream { get; }
    StreamOptionsInput? StreamOptions { get; }
    StopSequences? Stop { get; }
    long? Seed { get; }
    double? PresencePenalty { get; }
    double? FrequencyPenalty { get; }
}
