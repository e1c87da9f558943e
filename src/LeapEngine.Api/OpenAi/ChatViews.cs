namespace LeapEngine.Api.OpenAi;

/// <summary>POST /v1/chat/completions answer (object "chat.completion").</summary>
public sealed record ChatCompletionView(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<ChatChoiceView> Choices, CompletionUsageView Usage);

public sealed record ChatChoiceView(int Index, ChatMessageView Message, ChatLogprobsView? Logprobs, string FinishReason);

public sealed record ChatMessageView(string Role, string Content, string? Refusal);

/// <summary>choices[].logprobs: one entry per completion token.</summary>
public sealed record ChatLogprobsView(IReadOnlyList<ChatTokenLogprobView> Content, IReadOnlyList<ChatTokenLogprobView>? Refusal);

public sealed record ChatTokenLogprobView(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprobView> TopLogprobs);

public sealed record ChatTopLogprobView(string Token, float Logprob, IReadOnlyList<int> Bytes);

/// <summary>A streamed chunk (object "chat.completion.chunk"); the usage chunk has no choices.</summary>
public sealed record ChatChunkView(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<ChatChunkChoiceView> Choices, CompletionUsageView? Usage);

public sealed record ChatChunkChoiceView(int Index, ChatDeltaView Delta, ChatLogprobsView? Logprobs, string? FinishReason);

/// <summary>A chunk's delta; role only in a choice's first chunk, content null in its last.</summary>
public sealed record ChatDeltaView(string? Role, string? Content);
