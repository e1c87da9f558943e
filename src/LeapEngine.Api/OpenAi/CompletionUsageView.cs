namespace LeapEngine.Api.OpenAi;

/// <summary>OpenAI's usage object. prompt_tokens counts every prompt token the model read (an alias's hidden prompt included).</summary>
public sealed record CompletionUsageView(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static CompletionUsageView Of(int prompt, int completion) => new(prompt, completion, prompt + completion);
}
