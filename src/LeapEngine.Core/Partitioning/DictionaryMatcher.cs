using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

public sealed record MatchedPair(int A, int B, double Cosine);

/// <summary>How two dictionaries' regions correspond.</summary>
public sealed record DictionaryMatch
{
    public double Threshold { get; init; }
    public string A { get; init; } = "";
    public string B { get; init; } = "";
    public int ARegions { get; init; }
    public int BRegions { get; init; }
    /// <summary>Pairs of the maximum-weight assignment at cosine &gt;= threshold, by A's id.</summary>
    public List<MatchedPair> Persisted { get; init; } = [];
    /// <summary>Regions of A with no partner (they vanish in B).</summary>
    public int[] Dropped { get; init; } = [];
    /// <summary>Regions of B with no partner (new in B).</summary>
    public int[] Introduced { get; init; } = [];
    public double MeanPersistedCosine { get; init; }
    /// <summary>Connected groups of the &gt;= threshold graph, each solved exactly, and the largest one's size (A + B regions).</summary>
    public int Components { get; init; }
    public int LargestComponent { get; init; }
}

/// <summary>
/// Matches the exemplars of two dictionaries of the same width (other layer, checkpoint or
/// model) one to one by cosine of their directions. Pairs below the threshold are discarded
/// anyway, so they weigh 0: the problem splits into the connected components of the graph of
/// pairs at or above the threshold, and each component gets an exact Hungarian solve.
/// </summary>
public static class DictionaryMatcher
{
    public const double DefaultThreshold = 0.7;

    public static DictionaryMatch Match(ExemplarDictionary a, ExemplarDictionary b, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Width != b.Width)
            throw new ArgumentException(
                $"cannot match a width-{a.Width} dictionary ({a.Info.ModelId} {a.Info.Hook}) with a width-{b.Width} one ({b.Info.ModelId} {b.Info.Hook}); " +
                "match dictionaries built at hooks of the same width");
        if (double.IsNaN(threshold) || threshold <= -1 || threshold > 1)
            throw new ArgumentException($"the cosine threshold must lie in (-1, 1], got {threshold}");

        int ka = a.RegionCount, kb = b.RegionCount;
        var edges = Edges(a, b, threshold);
        var components = Components(ka, kb, edges);
        var persisted = new List<MatchedPair>();
        foreach (var (rows, cols, local) in components)
        {
            var w = new double[rows.Count, cols.Count];
            var rowAt = rows.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i);
            var colAt = cols.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
            foreach (var (i, j, cos) in local) w[rowAt[i], colAt[j]] = cos;
            var assigned = HungarianSolver.MaximumWeight(w);
            for (int r = 0; r < rows.Count; r++)
                if (assigned[r] >= 0 && w[r, assigned[r]] >= threshold)
                    persisted.Add(new MatchedPair(rows[r], cols[assigned[r]], w[r, assigned[r]]));
        }
        persisted.Sort((x, y) => x.A.CompareTo(y.A));
        var matchedA = persisted.Select(p => p.A).ToHashSet();
        var matchedB = persisted.Select(p => p.B).ToHashSet();
        return new DictionaryMatch
        {
            Threshold = threshold,
            A = $"{a.Info.ModelId} {a.Info.Hook}",
            B = $"{b.Info.ModelId} {b.Info.Hook}",
            ARegions = ka,
            BRegions = kb,
            Persisted = persisted,
            Dropped = Enumerable.Range(0, ka).Where(i => !matchedA.Contains(i)).ToArray(),
            Introduced = Enumerable.Range(0, kb).Where(j => !matchedB.Contains(j)).ToArray(),
            MeanPersistedCosine = persisted.Count > 0 ? persisted.Average(p => p.Cosine) : 0,
            Components = components.Count,
            LargestComponent = components.Count > 0 ? components.Max(c => c.Rows.Count + c.Cols.Count) : 0,
        };
    }

    /// <summary>Every (a, b, cosine) with cosine &gt;= threshold, found block by block.</summary>
    private static List<(int A, int B, double Cosine)> Edges(ExemplarDictionary a, ExemplarDictionary b, double threshold)
    {
        const int block = 1024;
        var edges = new List<(int, int, double)>();
        using var scope = NewDisposeScope();
        var da = a.Directions();
        var db = b.Directions();
        for (int start = 0; start < a.RegionCount; start += block)
        {
            int rows = Math.Min(block, a.RegionCount - start);
            var cos = da.narrow(0, start, rows).mm(db.t());                                     // [rows, kb]
            var hits = cos.IsAtLeast(threshold).nonzero();                                             // [edges, 2]
            if (hits.shape[0] == 0) continue;
            var ij = hits.data<long>().ToArray();
            var values = cos.index(hits[.., 0], hits[.., 1]).to(ScalarType.Float64).data<double>().ToArray();
            for (int e = 0; e < values.Length; e++) edges.Add(((int)ij[2 * e] + start, (int)ij[2 * e + 1], values[e]));
        }
        return edges;
    }

    /// <summary>Connected components (union-find) of the bipartite edge graph; nodes 0..ka-1 are A's, ka.. are B's.</summary>
    private static List<(List<int> Rows, List<int> Cols, List<(int A, int B, double Cosine)> Edges)> Components(
        int ka, int kb, List<(int A, int B, double Cosine)> edges)
    {
        var parent = Enumerable.Range(0, ka + kb).ToArray();
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        foreach (var (i, j, _) in edges) parent[Find(i)] = Find(ka + j);
        var groups = new Dictionary<int, (List<int> Rows, List<int> Cols, List<(int, int, double)> Edges)>();
        foreach (var edge in edges)
        {
            int root = Find(edge.A);
            if (!groups.TryGetValue(root, out var g)) groups[root] = g = (new List<int>(), new List<int>(), new List<(int, int, double)>());
            g.Edges.Add(edge);
        }
        foreach (var g in groups.Values)
        {
            g.Rows.AddRange(g.Edges.Select(e => e.Item1).Distinct().Order());
            g.Cols.AddRange(g.Edges.Select(e => e.Item2).Distinct().Order());
        }
        return groups.Values.ToList();
    }
}
