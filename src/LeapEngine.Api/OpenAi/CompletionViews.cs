namespace LeapEngine.Api.OpenAi;

/// <summary>POST /v1/completions answer and streamed chunks (object "text_completion" for both, as OpenAI writes them).</summary>
public sealed record CompletionView(string Id, string Object, long Created, string Model, string? SystemFingerprint,
    IReadOnlyList<CompletionChoiceView> Choices, CompletionUsageView? Usage);

/// <param name="PromptLogprobs">vLLM's extension: one entry per visible prompt token, null for the first token the model read;
/// each entry maps token ids (as strings) to their log-probability, rank and text.</param>
public sealed record CompletionChoiceView(int Index, string Text, CompletionLogprobsView? Logprobs, string? FinishReason,
    IReadOnlyList<Dictionary<string, PromptLogprobView>?>? PromptLogprobs);

/// <summary>OpenAI's legacy logprobs: parallel lists over the tokens (the echoed prompt's first when echo is on).</summary>
public sealed record CompletionLogprobsView(List<string> Tokens, List<float?> TokenLogprobs,
    List<Dictionary<string, float>?> TopLogprobs, List<int> TextOffset);

/// <summary>vLLM's Logprob: rank 1 is the most likely token at the position.</summary>
public sealed record PromptLogprobView(float Logprob, int? Rank, string DecodedToken);
