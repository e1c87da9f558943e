using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Token ids of the fixed pieces around the optimised span. A target or suffix follows other
/// tokens, so it must be encoded as a continuation: SentencePiece would otherwise add its
/// dummy-prefix space ("▁▁ball" for " ball").
/// </summary>
public static class TextPieces
{
    /// <summary>BOS (when the model uses one) followed by the prefix's tokens.</summary>
    public static int[] Context(LanguageModel model, string prefix) =>
        model.Encode(prefix ?? "").Ids.ToArray();

    /// <summary>The tokens of <paramref name="text"/> when it follows other text.</summary>
    public static int[] Continuation(LanguageModel model, string text)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ContinuationIds(text);
    }

    /// <summary>
    /// The text the generated tokens add to the prompt: decoded together and cut after the
    /// prompt's own text, so leading spaces and characters split across tokens come out right.
    /// </summary>
    public static string ContinuationText(LanguageModel model, IReadOnlyList<int> prompt, IReadOnlyList<int> generated)
    {
        var before = model.Decode(prompt);
        var all = model.Decode(prompt.Concat(generated));
        if (before.Length > 0 && all.StartsWith(before, StringComparison.Ordinal)) return all[before.Length..];
        // An empty prompt text loses the generation's leading space to the tokenizer's
        // dummy-prefix rule; rebuild from the tokens' own texts instead.
        return string.Concat(generated.Select(model.Tokenizer.TokenText));
    }
}
