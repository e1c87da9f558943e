namespace LeapEngine.Core.Tokenization;

/// <summary>Whitespace-delimited words of the original text, and the token-to-word map.</summary>
public static class WordSegmentation
{
    public static IReadOnlyList<TextSpan> Words(string text)
    {
        var words = new List<TextSpan>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            words.Add(new TextSpan(start, i - start));
        }
        return words;
    }

    /// <summary>
    /// For each token, the index of the word its span overlaps most (ties: the earlier word),
    /// or -1 when it overlaps none (BOS, pure whitespace). A token that carries a leading
    /// space (" cat") overlaps only its word, so it is assigned to it.
    /// </summary>
    public static IReadOnlyList<int> AssignTokensToWords(IReadOnlyList<TextSpan> words, IReadOnlyList<TextSpan> offsets)
    {
        var result = new int[offsets.Count];
        int w = 0;
        for (int t = 0; t < offsets.Count; t++)
        {
            var span = offsets[t];
            result[t] = -1;
            if (span.Length == 0) continue;
            // Offsets are non-decreasing in practice; restart the scan if they are not. The test is on
            // the word before w (did we skip a word this span still reaches?) so that it also works
            // once w has run past the last word.
            if (w > 0 && words[w - 1].End > span.Start) w = 0;
            while (w < words.Count && words[w].End <= span.Start) w++;
            int best = -1, bestOverlap = 0;
            for (int k = w; k < words.Count && words[k].Start < span.End; k++)
            {
                int overlap = Math.Min(words[k].End, span.End) - Math.Max(words[k].Start, span.Start);
                if (overlap > bestOverlap) { best = k; bestOverlap = overlap; }
            }
            result[t] = best;
        }
        return result;
    }
}
