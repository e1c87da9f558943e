namespace LeapEngine.Api.OpenAi;

/// <summary>
/// One prompt as the model reads it. <see cref="VisibleFrom"/> is the first token the client may see
/// (after an alias's hidden prompt); echo and prompt log-probs report only tokens from there on.
/// </summary>
/// <param name="EchoText">The prompt's text as the client wrote it (or as its token ids decode).</param>
/// <param name="EchoOffsets">Each visible token's character offset in <see cref="EchoText"/>.</param>
public sealed record PreparedPrompt(int[] Ids, int VisibleFrom, string EchoText, int[] EchoOffsets);

/// <summary>Everything a synchronous completion runs: validated, bounded, and reserved before it reaches the model.</summary>
public sealed record ServePlan(
    string ModelId,
    IReadOnlyList<PreparedPrompt> Prompts,
    int Choices,
    int MaxTokens,
    double Temperature,
    double? TopP,
    long Seed,
    int TopLogprobs,
    int? PromptLogprobs,
    IReadOnlyList<string> Stops)
{
    /// <summary>Which cached prompts this plan's prompts may reuse and be reused by (a model and a tenant; see PromptCache).</summary>
    public string CacheScope { get; init; } = "";

    /// <summary>Upper bound of the model tokens the plan runs: every prompt once, then n x max_tokens steps.</summary>
    public long MaxModelTokens => Prompts.Sum(p => (long)p.Ids.Length + (long)Choices * MaxTokens);
}
