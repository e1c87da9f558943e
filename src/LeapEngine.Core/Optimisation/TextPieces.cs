using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Token ids of the fixed context before the optimised span. A target or suffix follows other
/// tokens, so it is encoded with <see cref="LanguageModel.ContinuationIds"/> (no dummy-prefix
/// space), and generations are read back with <see cref="LanguageModel.DecodeContinuation"/>.
/// </summary>
public static class TextPieces
{
    /// <summary>BOS (when the model uses one) followed by the prefix's tokens.</summary>
    public static int[] Context(LanguageModel model, string prefix) =>
        model.Encode(prefix ?? "").Ids.ToArray();

}
