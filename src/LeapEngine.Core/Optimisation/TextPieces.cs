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
}
