using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// The hybrid's memory of descent: every distinct nearest-token readout with its exact loss, so
/// GCG can start from the best token prompts descent passed through. Descent's continuous loss
/// says little about its readouts (the projection to tokens is where it loses the target), and
/// its last readouts are often not its best ones.
/// </summary>
internal sealed class ReadoutPool
{
    private readonly Dictionary<string, (float Loss, long[] Ids)> _best = new();
    private readonly HashSet<string> _taken = new();

    /// <summary>Adds readouts [n, length] with their exact losses [n].</summary>
    public void Add(Tensor ids, Tensor loss)
    {
        var rows = ids.cpu().data<long>().ToArray();
        var losses = loss.cpu().data<float>().ToArray();
        int length = (int)ids.shape[1];
        for (int r = 0; r < losses.Length; r++)
        {
            var span = rows.AsSpan(r * length, length).ToArray();
            _best.TryAdd(string.Join(',', span), (losses[r], span));
        }
    }

    /// <summary>
    /// The <paramref name="n"/> best distinct readouts by exact loss [n, length]; rows of
    /// <paramref name="fallback"/> [n, length] fill in when fewer were seen.
    /// </summary>
    public Tensor Best(int n, Tensor fallback)
    {
        using var scope = NewDisposeScope();
        var best = _best.Values.OrderBy(v => v.Loss).Take(n).Select(v => v.Ids).ToList();
        var start = fallback.to(ScalarType.Int64).clone();
        if (best.Count > 0)
        {
            var rows = tensor(best.SelectMany(x => x).ToArray(), device: start.device).reshape(best.Count, -1);   // [found, length]
            start.narrow(0, 0, best.Count).copy_(rows);
        }
        return start.MoveToOuterDisposeScope();
    }

    /// <summary>Distinct readouts not yet handed out.</summary>
    public int Count => _best.Count - _taken.Count;

    /// <summary>
    /// Hands out the best readout by exact loss not handed out before (null when none is left);
    /// a readout handed out stays known, so descent passing it again does not bring it back.
    /// </summary>
    public long[]? TakeBest()
    {
        var best = _best.Where(kv => !_taken.Contains(kv.Key)).OrderBy(kv => kv.Value.Loss).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, kv.Value.Ids)).FirstOrDefault();
        if (best.Ids is null) return null;
        _taken.Add(best.Key);
        return best.Ids;
    }
}
