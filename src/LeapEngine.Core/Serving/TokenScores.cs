namespace LeapEngine.Core.Serving;

/// <summary>A token and its log-probability under the model's own distribution (no temperature or top-p applied).</summary>
public readonly record struct TokenLogProb(int Id, float LogProb);

/// <summary>
/// One prompt position scored by teacher forcing. The first position has nothing before it, so its
/// <see cref="LogProb"/> and <see cref="Rank"/> are null and <see cref="Top"/> is empty.
/// </summary>
/// <param name="Rank">1 for the most likely token at this position; ties share the better rank.</param>
/// <param name="Top">The most likely tokens at this position, most likely first.</param>
public sealed record PromptTokenScore(int Id, float? LogProb, int? Rank, IReadOnlyList<TokenLogProb> Top);

/// <summary>A token sampled for choice <see cref="Choice"/>, with the alternatives asked for (most likely first).</summary>
public sealed record SampledToken(int Choice, int Id, float LogProb, IReadOnlyList<TokenLogProb> Top);
