namespace LeapEngine.Core.Attribution;

/// <summary>
/// One thing attribution scores: a token, a word, a chunk or a caller-given span of one
/// segment. <paramref name="Start"/>/<paramref name="Length"/> are characters of the segment's
/// OWN text (for a single-text prompt: the text the user wrote); <paramref name="Tokens"/> are
/// the positions of its tokens in the prompt token sequence.
/// </summary>
public sealed record AttributionUnit(int Index, string Segment, int Start, int Length, string Text, int[] Tokens);

/// <summary>A caller-given unit: characters [Start, Start + Length) of a segment's text.</summary>
public sealed record UnitSpan(string Segment, int Start, int Length);

public enum UnitKind { Token, Word, Chunk, Spans }

/// <summary>How the prompt is cut into units: "token", "word", "chunk:K" or "spans".</summary>
public sealed record UnitSpec(UnitKind Kind, int ChunkSize = 1)
{
    public static UnitSpec Parse(string? text)
    {
        var s = (text ?? "word").Trim().ToLowerInvariant();
        if (s == "token") return new UnitSpec(UnitKind.Token);
        if (s == "word") return new UnitSpec(UnitKind.Word);
        if (s == "spans") return new UnitSpec(UnitKind.Spans);
        if (s.StartsWith("chunk:", StringComparison.Ordinal))
        {
            if (int.TryParse(s["chunk:".Length..], out int k) && k >= 1) return new UnitSpec(UnitKind.Chunk, k);
            throw new ArgumentException($"unit '{text}': chunk size must be a positive integer, e.g. chunk:4");
        }
        throw new ArgumentException($"unknown unit '{text}'; use token, word, chunk:K (K tokens) or spans");
    }

    public override string ToString() => Kind switch
    {
        UnitKind.Chunk => $"chunk:{ChunkSize}",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
