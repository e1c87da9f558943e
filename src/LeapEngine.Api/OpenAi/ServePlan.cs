using LeapEngine.Core.Serving;

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
    /// <summary>Upper bound of the model tokens the plan runs: every prompt once, then n x max_tokens steps.</summary>
    public long MaxModelTokens => Prompts.Sum(p => (long)p.Ids.Length + (long)Choices * MaxTokens);
}

/// <summary>What the generation thread reports, in order, to the endpoint that formats the answer.</summary>
public abstract record ServeEvent(int Prompt);

/// <summary>The prompt's teacher-forced scores (only when asked for), before any token of it.</summary>
public sealed record PromptScored(int Prompt, IReadOnlyList<PromptTokenScore> Scores) : ServeEvent(Prompt);

/// <summary>
/// A sampled token and the text it released (empty while held back for a stop sequence or a split character);
/// <see cref="TextOffset"/> is where the token's text starts in the choice's text.
/// </summary>
public sealed record TokenSampled(int Prompt, SampledToken Token, string Text, int TextOffset) : ServeEvent(Prompt);

/// <summary>A choice ended: "stop" (end of sequence or a stop sequence) or "length"; <see cref="Text"/> is what was still held.</summary>
public sealed record ChoiceEnded(int Prompt, int Choice, string FinishReason, string Text, int CompletionTokens) : ServeEvent(Prompt);
