using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Attribution;

/// <summary>
/// Cuts an encoded, rendered prompt into units. Only tokens inside a segment's text become
/// units; template markers and BOS stay fixed in every perturbation.
/// </summary>
public static class UnitBuilder
{
    public static IReadOnlyList<AttributionUnit> Build(EncodedText encoded, RenderedPrompt rendered, UnitSpec spec,
        IReadOnlyList<UnitSpan>? spans = null)
    {
        if (spec.Kind == UnitKind.Spans && (spans is null || spans.Count == 0))
            throw new ArgumentException("unit 'spans' needs at least one span");
        var units = new List<AttributionUnit>();
        foreach (var segment in rendered.Segments)
        {
            var tokens = TokensOf(encoded, rendered, segment);
            // Tokens and chunks report their tokens' characters; words and spans their own.
            var groups = spec.Kind switch
            {
                UnitKind.Token => tokens.Select(t => (new[] { t }, Extent(encoded, segment, [t]))).ToList(),
                UnitKind.Chunk => tokens.Chunk(spec.ChunkSize).Select(g => (g, Extent(encoded, segment, g))).ToList(),
                UnitKind.Word => WordGroups(encoded, segment, tokens),
                _ => SpanGroups(encoded, segment, tokens, spans!),
            };
            foreach (var (group, extent) in groups)
                units.Add(new AttributionUnit(units.Count, segment.Name, extent.Start, extent.Length,
                    segment.Text.Substring(extent.Start, extent.Length), group));
        }
        if (spec.Kind == UnitKind.Spans)
            foreach (var s in spans!)
                if (rendered.Segments.All(seg => seg.Name != s.Segment))
                    throw new ArgumentException($"span refers to segment '{s.Segment}', which the prompt does not have");
        if (units.Count == 0)
            throw new ArgumentException("the prompt has no tokens to attribute (empty text?)");
        return units;
    }

    /// <summary>Token positions whose span overlaps this segment's text more than any other segment's.</summary>
    private static List<int> TokensOf(EncodedText encoded, RenderedPrompt rendered, SegmentSpan segment)
    {
        var result = new List<int>();
        for (int t = 0; t < encoded.Count; t++)
        {
            var span = encoded.Offsets[t];
            int best = -1, bestOverlap = 0;
            for (int i = 0; i < rendered.Segments.Count; i++)
            {
                var s = rendered.Segments[i];
                int overlap = Math.Min(s.End, span.End) - Math.Max(s.Start, span.Start);
                if (overlap > bestOverlap) { bestOverlap = overlap; best = i; }
            }
            if (best >= 0 && ReferenceEquals(rendered.Segments[best], segment)) result.Add(t);
        }
        return result;
    }

    /// <summary>Whitespace words of the segment's own text; each token goes to the word it overlaps most.</summary>
    private static List<(int[], TextSpan)> WordGroups(EncodedText encoded, SegmentSpan segment, List<int> tokens)
    {
        var words = WordSegmentation.Words(segment.Text);
        var local = tokens.Select(t => Clip(encoded.Offsets[t], segment)).ToList();
        var wordOf = WordSegmentation.AssignTokensToWords(words, local);
        return tokens.Select((t, i) => (t, w: wordOf[i])).Where(x => x.w >= 0)
            .GroupBy(x => x.w).OrderBy(g => g.Key).Select(g => (g.Select(x => x.t).ToArray(), words[g.Key])).ToList();
    }

    private static List<(int[], TextSpan)> SpanGroups(EncodedText encoded, SegmentSpan segment, List<int> tokens, IReadOnlyList<UnitSpan> spans)
    {
        var groups = new List<(int[], TextSpan)>();
        var taken = new HashSet<int>();
        foreach (var s in spans.Where(s => s.Segment == segment.Name).OrderBy(s => s.Start))
        {
            if (s.Start < 0 || s.Length <= 0 || s.Start + s.Length > segment.Text.Length)
                throw new ArgumentException(
                    $"span [{s.Start}, {s.Start + s.Length}) lies outside segment '{segment.Name}' ({segment.Text.Length} characters) or is empty");
            var group = tokens.Where(t =>
            {
                var c = Clip(encoded.Offsets[t], segment);
                return c.Length > 0 && c.Start < s.Start + s.Length && c.End > s.Start;
            }).ToArray();
            if (group.Length == 0) throw new ArgumentException($"span [{s.Start}, {s.Start + s.Length}) of '{segment.Name}' covers no token");
            if (group.Any(t => !taken.Add(t)))
                throw new ArgumentException($"span [{s.Start}, {s.Start + s.Length}) of '{segment.Name}' shares a token with another span; spans must not overlap");
            groups.Add((group, new TextSpan(s.Start, s.Length)));
        }
        return groups;
    }

    /// <summary>Character extent of a group of tokens in the segment's own text.</summary>
    private static TextSpan Extent(EncodedText encoded, SegmentSpan segment, int[] group)
    {
        var clipped = group.Select(t => Clip(encoded.Offsets[t], segment)).Where(c => c.Length > 0).ToList();
        if (clipped.Count == 0) return new TextSpan(0, 0);
        int start = clipped.Min(c => c.Start);
        return new TextSpan(start, clipped.Max(c => c.End) - start);
    }

    /// <summary>A rendered-text span clipped to the segment, relative to the segment's text.</summary>
    private static TextSpan Clip(TextSpan span, SegmentSpan segment)
    {
        int start = Math.Clamp(span.Start, segment.Start, segment.End), end = Math.Clamp(span.End, segment.Start, segment.End);
        return new TextSpan(start - segment.Start, end - start);
    }
}
