using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Partitioning;

/// <summary>One member of a region as a person reads it: the text around the token, the token marked.</summary>
public sealed record RegionExample
{
    /// <summary>Context with the token in brackets, e.g. "there was a little [girl] named Lily".</summary>
    public string Snippet { get; init; } = "";
    public string Token { get; init; } = "";
    public float Distance { get; init; }
}

/// <summary>A region's exemplar and its closest and farthest members seen during the build.</summary>
public sealed record RegionExampleSet
{
    public RegionExample? Exemplar { get; init; }
    public List<RegionExample> Closest { get; init; } = [];
    public List<RegionExample> Farthest { get; init; } = [];
}

/// <summary>
/// Keeps, per region, the k closest and k farthest members (besides the exemplar) while the
/// stream goes by; snippets are rendered only when a member enters a list.
/// </summary>
internal sealed class RegionExampleTracker(int perRegion)
{
    private const int ContextChars = 48;
    internal const string DummyPrefix = "\u2581";
    private readonly List<RegionExampleSet> _sets = new();

    public List<RegionExampleSet> Sets => _sets;

    public void Observe(ActivationBatch batch, BatchAssignment assignment, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            int region = assignment.Regions[r];
            while (_sets.Count <= region) _sets.Add(new RegionExampleSet());
            var set = _sets[region];
            float d = assignment.Distances[r];
            bool founder = set.Exemplar is null;
            if (!batch.HasText)
            {
                if (founder) _sets[region] = set with { Exemplar = new RegionExample { Distance = d } };
                continue;
            }
            if (founder)
            {
                _sets[region] = set with { Exemplar = Render(batch, r, d) };
                continue;
            }
            if (perRegion == 0) continue;
            Insert(set.Closest, batch, r, d, closer: true);
            Insert(set.Farthest, batch, r, d, closer: false);
        }
    }

    private void Insert(List<RegionExample> list, ActivationBatch batch, int row, float d, bool closer)
    {
        // Sorted best first; a newcomer displaces the worst only when strictly better.
        if (list.Count == perRegion && (closer ? d >= list[^1].Distance : d <= list[^1].Distance)) return;
        int at = list.FindIndex(e => closer ? d < e.Distance : d > e.Distance);
        var example = Render(batch, row, d);
        if (at < 0) list.Add(example); else list.Insert(at, example);
        if (list.Count > perRegion) list.RemoveAt(list.Count - 1);
    }

    internal static RegionExample Render(ActivationBatch batch, int row, float distance)
    {
        var text = batch.Texts[batch.TextOfRow[row]];
        return new RegionExample { Snippet = Snippet(text, batch.TokenOfRow[row], out var token), Token = token, Distance = distance };
    }

    /// <summary>The token in brackets with up to <see cref="ContextChars"/> characters either side, on one line.</summary>
    internal static string Snippet(EncodedText text, int tokenIndex, out string token)
    {
        var span = text.Offsets[tokenIndex];
        string s = text.Text;
        int start = span.Start, end = span.End;
        // SentencePiece folds the leading space into the token; show it only when it is all there is.
        while (start < end - 1 && char.IsWhiteSpace(s[start])) start++;
        // A token with no characters of the text (BOS is never a row) is SentencePiece's dummy-prefix space, which it
        // adds before a text that starts with a digit, punctuation or a space: show it in SentencePiece's own spelling
        // rather than as an empty token.
        token = start == end ? DummyPrefix : s[start..end];
        int from = Math.Max(0, start - ContextChars), to = Math.Min(s.Length, end + ContextChars);
        string before = (from > 0 ? "…" : "") + s[from..start];
        string after = s[end..to] + (to < s.Length ? "…" : "");
        return OneLine(before) + "[" + OneLine(token) + "]" + OneLine(after);
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
}
