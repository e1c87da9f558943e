using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// The spans each GCG candidate has held. Proposals are a deterministic function of the current
/// span (the anchored hybrid's descent step), and GCG moves to its best trial even when that is
/// worse, so without this memory a candidate can swap between two spans for ever (seen in
/// development runs: best target NLL 3.68, 3.63, 3.68, ... to the end of the budget). A
/// proposal back to a span the candidate has held is withdrawn and GCG's own trial takes the slot.
/// </summary>
internal sealed class VisitedSpans
{
    private readonly HashSet<string>[] _seen;

    public VisitedSpans(int candidates) => _seen = Enumerable.Range(0, candidates).Select(_ => new HashSet<string>()).ToArray();

    /// <summary>Records the spans [B, length] as held by their candidates.</summary>
    public void Add(Tensor ids)
    {
        var rows = ids.cpu().data<long>().ToArray();
        int length = (int)ids.shape[1];
        for (int b = 0; b < _seen.Length; b++) _seen[b].Add(Key(rows, b * length, length));
    }

    /// <summary>Forgets what the given candidates held (they restart elsewhere).</summary>
    public void Clear(IEnumerable<int> rows)
    {
        foreach (var r in rows) _seen[r].Clear();
    }

    /// <summary>True where proposal p [B, P, length] is a span its candidate has not held → [B, P, 1].</summary>
    public Tensor Fresh(Tensor offered)
    {
        long b = offered.shape[0], p = offered.shape[1];
        int length = (int)offered.shape[2];
        var rows = offered.cpu().data<long>().ToArray();
        var fresh = new bool[b * p];
        for (int i = 0; i < fresh.Length; i++) fresh[i] = !_seen[i / p].Contains(Key(rows, i * length, length));
        return tensor(fresh, device: offered.device).reshape(b, p, 1);
    }

    private static string Key(long[] rows, int start, int length) => string.Join(',', rows.AsSpan(start, length).ToArray());
}
