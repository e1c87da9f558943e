using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>What one batch did: each row's region and distance to its exemplar, and how many regions it founded.</summary>
internal sealed record BatchAssignment(int[] Regions, float[] Distances, int NewRegions);

/// <summary>
/// Leader clustering in stream order. Each activation first joins its nearest existing
/// exemplar if within theta; the rest are clustered sequentially among themselves: each
/// joins the nearest leader founded earlier in this batch if within theta, else founds a
/// region and becomes its exemplar.
/// </summary>
internal sealed class LeaderClusterer : IDisposable
{
    /// <summary>Unmatched rows are handled in blocks so the intra-block distance matrix stays small.</summary>
    private const int Block = 1024;

    private readonly ActivationNormaliser _normaliser;

    public LeaderClusterer(ActivationNormaliser normaliser, double theta, Device device)
    {
        _normaliser = normaliser;
        Theta = theta;
        Matrix = new ExemplarMatrix(normaliser.Width, device);
    }

    public double Theta { get; }
    public ExemplarMatrix Matrix { get; }

    /// <summary>Clusters one batch of normalised activations u [rows, width].</summary>
    public BatchAssignment Add(Tensor u)
    {
        int n = (int)u.shape[0];
        var regions = new int[n];
        var distances = new float[n];
        var unmatched = new List<int>();
        int before = Matrix.Count;
        using (var scope = NewDisposeScope())
        {
            if (before > 0)
            {
                var (d, idx) = _normaliser.Nearest(u, Matrix.Exemplars());
                var dArr = d.cpu().data<float>().ToArray();
                var iArr = idx.cpu().data<long>().ToArray();
                for (int r = 0; r < n; r++)
                {
                    if (dArr[r] <= Theta) { regions[r] = (int)iArr[r]; distances[r] = dArr[r]; }
                    else unmatched.Add(r);
                }
            }
            else unmatched.AddRange(Enumerable.Range(0, n));

            for (int start = 0; start < unmatched.Count; start += Block)
                ClusterBlock(u, unmatched.GetRange(start, Math.Min(Block, unmatched.Count - start)), before, regions, distances);
        }
        Matrix.AddMembers(u, regions, distances);
        return new BatchAssignment(regions, distances, Matrix.Count - before);
    }

    /// <summary>Sequential leader clustering of unmatched rows, among the leaders founded in this batch.</summary>
    private void ClusterBlock(Tensor u, List<int> rows, int batchFirstRegion, int[] regions, float[] distances)
    {
        int m = rows.Count;
        var ub = u.index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: u.device));   // [m, width]
        // Leaders founded by earlier blocks of this batch exist before every row of this block.
        float[]? prevD = null;
        long[]? prevI = null;
        if (Matrix.Count > batchFirstRegion)
        {
            var (d, i) = _normaliser.Nearest(ub, Matrix.ExemplarsFrom(batchFirstRegion));
            prevD = d.cpu().data<float>().ToArray();
            prevI = i.cpu().data<long>().ToArray();
        }
        var intra = _normaliser.Distances(ub, ub).cpu().data<float>().ToArray();          // [m, m] row-major
        var leaders = new List<int>();        // block-local rows that founded a region
        int next = Matrix.Count;
        for (int j = 0; j < m; j++)
        {
            float best = float.PositiveInfinity;
            int bestRegion = -1;
            if (prevD is not null) { best = prevD[j]; bestRegion = batchFirstRegion + (int)prevI![j]; }
            for (int l = 0; l < leaders.Count; l++)
            {
                float d = intra[j * m + leaders[l]];
                if (d < best) { best = d; bestRegion = next + l; }
            }
            if (best <= Theta)
            {
                regions[rows[j]] = bestRegion;
                distances[rows[j]] = best;
            }
            else
            {
                regions[rows[j]] = next + leaders.Count;
                distances[rows[j]] = 0;
                leaders.Add(j);
            }
        }
        if (leaders.Count > 0)
            Matrix.Append(ub.index_select(0, tensor(leaders.Select(l => (long)l).ToArray(), device: u.device)));
    }

    public void Dispose() => Matrix.Dispose();
}
