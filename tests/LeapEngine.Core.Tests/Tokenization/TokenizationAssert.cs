using System.Text;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

/// <summary>Checks every tokenizer must pass on every text.</summary>
internal static class TokenizationAssert
{
    /// <summary>
    /// Spans lie in the text, in order; walking them covers every non-whitespace character exactly
    /// once in order; the only overlap allowed is one character split across consecutive tokens.
    /// </summary>
    public static void SpansCoverText(EncodedText encoded)
    {
        var text = encoded.Text;
        var rebuilt = new StringBuilder();
        int cursor = 0, previousStart = 0;
        foreach (var span in encoded.Offsets)
        {
            Assert.InRange(span.Start, 0, text.Length);
            Assert.InRange(span.End, span.Start, text.Length);
            Assert.True(span.Start >= previousStart, $"span {span} starts before the previous token in {Show(encoded)}");
            if (span.Start > cursor)
            {
                var gap = text[cursor..span.Start];
                Assert.True(string.IsNullOrWhiteSpace(gap), $"characters '{gap}' are not covered in {Show(encoded)}");
                rebuilt.Append(gap);
            }
            else if (span.Length > 0 && span.Start < cursor)
            {
                // Overlap: only the one character whose bytes were split between the two tokens.
                Assert.True(cursor - span.Start <= 2 && Rune.DecodeFromUtf16(text.AsSpan(span.Start), out _, out int n) == System.Buffers.OperationStatus.Done && n == cursor - span.Start,
                    $"span {span} overlaps the previous token by more than one character in {Show(encoded)}");
            }
            int from = Math.Max(cursor, span.Start);
            if (span.End > from) rebuilt.Append(text, from, span.End - from);
            cursor = Math.Max(cursor, span.End);
            previousStart = span.Start;
        }
        Assert.True(string.IsNullOrWhiteSpace(text[cursor..]), $"the end '{text[cursor..]}' is not covered in {Show(encoded)}");
        rebuilt.Append(text[cursor..]);
        Assert.Equal(text, rebuilt.ToString());
    }

    public static void RoundTrips(ITokenizer tokenizer, string text)
    {
        var plain = tokenizer.Encode(text);
        SpansCoverText(plain);
        Assert.Equal(text, tokenizer.Decode(plain.Ids));
        if (tokenizer.BosId is int bos)
        {
            var withBos = tokenizer.Encode(text, addBos: true);
            Assert.Equal(bos, withBos.Ids[0]);
            Assert.Equal(new TextSpan(0, 0), withBos.Offsets[0]);
            Assert.Equal(-1, withBos.WordOfToken[0]);
            Assert.Equal(plain.Ids, withBos.Ids.Skip(1));
            Assert.Equal(text, tokenizer.Decode(withBos.Ids));
        }
    }

    public static string Show(EncodedText e) =>
        $"'{e.Text}': " + string.Join(" ", e.Ids.Select((id, i) => $"{id}{e.Offsets[i]}"));
}
