using System.Text;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>Which token ids a search may place in the optimised span.</summary>
public static class Vocabulary
{
    /// <summary>
    /// Allowed ids in ascending order: the filter applied to the tokenizer's ids (never ids the
    /// tokenizer cannot decode, even if the model's embedding has rows for them), intersected
    /// with <paramref name="only"/> when given. Throws when nothing is left.
    /// </summary>
    public static int[] Allowed(LanguageModel model, VocabularyFilter filter, IReadOnlyList<int>? only = null)
    {
        int vocab = Math.Min(model.Tokenizer.VocabSize, model.Config.VocabSize);
        var candidates = only is null ? Enumerable.Range(0, vocab) : only.Where(id => id >= 0 && id < vocab).Distinct().Order();
        var allowed = candidates.Where(id => IsAllowed(model, id, filter)).ToArray();
        if (allowed.Length == 0)
            throw new ArgumentException($"no token is allowed: the {filter} filter{(only is null ? "" : " and the given allowed ids")} leave an empty vocabulary");
        return allowed;
    }

    public static bool IsAllowed(LanguageModel model, int id, VocabularyFilter filter)
    {
        if (IsSpecial(model, id)) return false;
        if (filter == VocabularyFilter.NoSpecial) return true;
        var text = model.Tokenizer.TokenText(id);
        if (text.Length == 0 || IsBytePiece(text)) return false;
        foreach (var rune in text.EnumerateRunes())
            if (Rune.IsControl(rune) || rune == Rune.ReplacementChar || rune.Value is >= 0xE000 and <= 0xF8FF) return false;
        return true;
    }

    /// <summary>
    /// BOS, EOS, and tokens whose display text is a marker rather than what they decode to
    /// ("&lt;unk&gt;" decodes to " ⁇ "; control tokens decode to nothing).
    /// </summary>
    public static bool IsSpecial(LanguageModel model, int id)
    {
        if (id == model.BosId || id == model.EosId) return true;
        var text = model.Tokenizer.TokenText(id);
        var decoded = model.Tokenizer.Decode([id]);
        if (decoded.Length == 0) return true;
        bool marker = text.Length > 2 && text[0] == '<' && text[^1] == '>' && !IsBytePiece(text);
        return marker && decoded.Trim() != text.Trim();
    }

    /// <summary>SentencePiece byte-fallback pieces ("&lt;0x0A&gt;") and byte-level pieces shown the same way.</summary>
    private static bool IsBytePiece(string text) =>
        text.Contains("<0x", StringComparison.Ordinal) && text.EndsWith('>');
}
