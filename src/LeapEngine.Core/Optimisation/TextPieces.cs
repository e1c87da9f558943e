using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Token ids of the fixed pieces around the optimised span. A target or suffix follows other
/// tokens, so it must be encoded as a continuation: SentencePiece would otherwise add its
/// dummy-prefix space ("▁▁ball" for " ball").
/// </summary>
public static class TextPieces
{
    // Texts placed before the piece so it is encoded mid-text; the first whose token boundary
    // falls exactly where the piece starts wins.
    private static readonly string[] Anchors = ["\n", ".", "a", "0"];

    /// <summary>BOS (when the model uses one) followed by the prefix's tokens.</summary>
    public static int[] Context(LanguageModel model, string prefix) =>
        model.Encode(prefix ?? "").Ids.ToArray();

    /// <summary>The tokens of <paramref name="text"/> when it follows other text.</summary>
    public static int[] Continuation(LanguageModel model, string text)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrEmpty(text)) return [];
        foreach (var anchor in Anchors)
        {
            var encoded = model.Tokenizer.Encode(anchor + text, addBos: false);
            int first = -1;
            bool clean = true;
            for (int i = 0; i < encoded.Count; i++)
            {
                var span = encoded.Offsets[i];
                if (span.Start >= anchor.Length) { first = i; break; }
                if (span.End > anchor.Length) { clean = false; break; }   // a token straddles anchor and text
            }
            if (clean && first >= 0 && encoded.Offsets[first].Start == anchor.Length)
                return encoded.Ids.Skip(first).ToArray();
        }
        // No anchor separates cleanly: fall back to the text's own encoding.
        return model.Tokenizer.Encode(text, addBos: false).Ids.ToArray();
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
