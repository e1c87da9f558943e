using System.Text;

namespace LeapEngine.Core.Tokenization;

/// <summary>
/// Turns the UTF-8 byte lengths of consecutive tokens into character spans of the text they
/// were cut from. We align on bytes rather than trusting the library's offsets because byte-level
/// and byte-fallback tokens can end inside a character (an emoji is 4 bytes, 2 UTF-16 chars),
/// where the library's offsets are partial or empty.
/// </summary>
internal static class TokenSpanAligner
{
    /// <summary>
    /// Each token gets the smallest span of whole characters (whole surrogate pairs) that contains
    /// its bytes, so every token of a character split across tokens gets that character's span.
    /// A token with no bytes gets an empty span where it stands.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tokens' bytes do not add up to the text's.</exception>
    public static TextSpan[] Align(string text, IReadOnlyList<int> byteLengths)
    {
        int total = Encoding.UTF8.GetByteCount(text);
        // For each byte of the text: where its character starts and ends (UTF-16 indices).
        var charStart = new int[total + 1];
        var charEnd = new int[total + 1];
        int b = 0;
        for (int i = 0; i < text.Length;)
        {
            // A lone surrogate is encoded as U+FFFD (3 bytes), the same as Encoding.UTF8 counts it.
            System.Text.Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int chars);
            int bytes = rune.Utf8SequenceLength;
            for (int k = 0; k < bytes; k++)
            {
                charStart[b + k] = i;
                charEnd[b + k] = i + chars;
            }
            b += bytes;
            i += chars;
        }
        charStart[total] = charEnd[total] = text.Length;

        var spans = new TextSpan[byteLengths.Count];
        int cursor = 0;
        for (int t = 0; t < spans.Length; t++)
        {
            int end = cursor + byteLengths[t];
            if (end > total)
                throw new InvalidOperationException(
                    $"Token {t} runs past the end of the text ({end} > {total} bytes): tokenizer and aligner disagree.");
            spans[t] = byteLengths[t] == 0
                ? new TextSpan(charStart[cursor], 0)
                : new TextSpan(charStart[cursor], charEnd[end - 1] - charStart[cursor]);
            cursor = end;
        }
        if (cursor != total)
            throw new InvalidOperationException(
                $"Tokens cover {cursor} of the text's {total} UTF-8 bytes: tokenizer and aligner disagree.");
        return spans;
    }
}
