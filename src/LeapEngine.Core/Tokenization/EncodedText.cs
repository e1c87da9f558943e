namespace LeapEngine.Core.Tokenization;

/// <summary>A half-open character range [Start, Start + Length) in the original text.</summary>
public readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;
    public override string ToString() => $"[{Start},{End})";
}

/// <summary>
/// The result of encoding a text: token ids, for each token the span of the original text
/// it came from, and the whitespace-delimited words of the original text with, for each
/// token, the index of the word it belongs to (-1 for BOS or whitespace-only tokens).
/// </summary>
public sealed class EncodedText
{
    public EncodedText(string text, IReadOnlyList<int> ids, IReadOnlyList<TextSpan> offsets)
    {
        if (ids.Count != offsets.Count)
            throw new ArgumentException($"ids ({ids.Count}) and offsets ({offsets.Count}) differ in length");
        Text = text;
        Ids = ids;
        Offsets = offsets;
        Words = WordSegmentation.Words(text);
        WordOfToken = WordSegmentation.AssignTokensToWords(Words, offsets);
    }

    public string Text { get; }
    public IReadOnlyList<int> Ids { get; }
    public IReadOnlyList<TextSpan> Offsets { get; }
    public IReadOnlyList<TextSpan> Words { get; }
    public IReadOnlyList<int> WordOfToken { get; }
    public int Count => Ids.Count;
}
