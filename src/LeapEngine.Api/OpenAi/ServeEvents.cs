using LeapEngine.Core.Serving;

namespace LeapEngine.Api.OpenAi;

/// <summary>What the generation thread reports, in order, to the endpoint that formats the answer.</summary>
public abstract record ServeEvent(int Prompt);

/// <summary>The prompt is about to run; its first <see cref="CachedTokens"/> tokens come from the prompt cache (not run, not metered).</summary>
public sealed record PromptRead(int Prompt, int CachedTokens) : ServeEvent(Prompt);

/// <summary>The prompt's teacher-forced scores (only when asked for), before any token of it.</summary>
public sealed record PromptScored(int Prompt, IReadOnlyList<PromptTokenScore> Scores) : ServeEvent(Prompt);

/// <summary>
/// A sampled token and the text it released (empty while held back for a stop sequence or a split character);
/// <see cref="TextOffset"/> is where the token's text starts in the choice's text.
/// </summary>
public sealed record TokenSampled(int Prompt, SampledToken Token, string Text, int TextOffset) : ServeEvent(Prompt);

/// <summary>A choice ended: "stop" (end of sequence or a stop sequence) or "length"; <see cref="Text"/> is what was still held.</summary>
public sealed record ChoiceEnded(int Prompt, int Choice, string FinishReason, string Text, int CompletionTokens) : ServeEvent(Prompt);
