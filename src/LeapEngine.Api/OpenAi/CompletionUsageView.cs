namespace LeapEngine.Api.OpenAi;

/// <summary>
/// OpenAI's usage object. prompt_tokens counts every prompt token the model read (an alias's hidden prompt included);
/// prompt_tokens_details.cached_tokens those of them that came from the prompt cache (not run, not metered).
/// </summary>
public sealed record CompletionUsageView(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetailsView PromptTokensDetails)
{
    public static CompletionUsageView Of(int prompt, int completion, int cached) => new(prompt, completion, prompt + completion, new(cached));
}

/// <summary>OpenAI's usage.prompt_tokens_details.</summary>
public sealed record PromptTokensDetailsView(int CachedTokens);
