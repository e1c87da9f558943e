using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// The frozen map from raw activations a to the space regions live in, and distances there.
/// Cosine: u = (a - c) / |a - c|, distance 1 - u.e. Euclidean: u = a - c, distance |u - e|.
/// The centre c removes the shared offset that residual streams carry (otherwise every
/// activation looks alike under cosine): dir = normalise(mean(a/|a|)), c = dir * (mean(a).dir).
/// </summary>
public sealed class ActivationNormaliser
{
    /// <summary>Rows of a distance block: keeps a [rows, regions] block near 64 MiB.</summary>
    private const long BlockElements = 16L << 20;

    public ActivationNormaliser(PartitionMetric metric, Tensor centre)
    {
        if (centre.dim() != 1) throw new ArgumentException($"centre must be a vector, got [{string.Join(", ", centre.shape)}]");
        Metric = metric;
        Centre = centre;
    }

    public PartitionMetric Metric { get; }
    /// <summary>[width] float32; owned by whoever created the normaliser.</summary>
    public Tensor Centre { get; }
    public int Width => (int)Centre.shape[0];

    /// <summary>Fits the centre on calibration activations [rows, width] (one or more blocks).</summary>
    public static Tensor FitCentre(IReadOnlyList<Tensor> calibration)
    {
        if (calibration.Count == 0 || calibration.Sum(t => t.shape[0]) == 0)
            throw new ArgumentException("no calibration activations: the corpus produced no tokens");
        using var scope = NewDisposeScope();
        var all = cat(calibration.ToArray(), 0).to(ScalarType.Float64);                    // [rows, width]
        var unit = all / all.norm(1, keepdim: true).ClampMin(1e-12);
        var dir = unit.mean([0]);
        dir = dir / dir.norm().ClampMin(1e-12);                                           // [width]
        var centre = dir * all.mean([0]).dot(dir);
        return centre.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Raw activations [rows, width] to u [rows, width].</summary>
    public Tensor Normalise(Tensor activations)
    {
        RequireWidth(activations, "activations");
        using var scope = NewDisposeScope();
        var x = activations.to(ScalarType.Float32) - Centre.to(activations.device);
        if (Metric == PartitionMetric.Cosine) x = x / x.norm(1, keepdim: true).ClampMin(1e-12);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>All distances between u [n, width] and exemplars [k, width]: [n, k].</summary>
    public Tensor Distances(Tensor u, Tensor exemplars)
    {
        using var scope = NewDisposeScope();
        var dot = u.mm(exemplars.t());                                                      // [n, k]
        if (Metric == PartitionMetric.Cosine) return dot.SubtractedFrom(1L).MoveToOuterDisposeScope();
        var sq = (u * u).sum(1, keepdim: true).Plus((exemplars * exemplars).sum(1).unsqueeze(0)) - dot.Times(2L);
        return sq.ClampMin(0).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Nearest exemplar per row of u [n, width] against exemplars [k, width], k &gt; 0: one
    /// matrix product per block of rows. Returns distances [n] and indices [n] (int64).
    /// </summary>
    public (Tensor Distance, Tensor Index) Nearest(Tensor u, Tensor exemplars)
    {
        long n = u.shape[0], k = exemplars.shape[0];
        if (k == 0) throw new ArgumentException("no exemplars to compare with");
        using var scope = NewDisposeScope();
        long block = Math.Max(1, BlockElements / k);
        var dists = new List<Tensor>();
        var indices = new List<Tensor>();
        var sqE = Metric == PartitionMetric.Euclidean ? (exemplars * exemplars).sum(1).unsqueeze(0) : null;   // [1, k]
        for (long start = 0; start < n; start += block)
        {
            var rows = u.narrow(0, start, Math.Min(block, n - start));
            var dot = rows.mm(exemplars.t());                                              // [rows, k]
            if (sqE is null)
            {
                var (best, idx) = dot.max(1);
                dists.Add(best.SubtractedFrom(1L).ClampMin(0));   // rounding can make u.e exceed 1 a hair
                indices.Add(idx);
            }
            else
            {
                // |u - e|^2 = |u|^2 + |e|^2 - 2 u.e; |u|^2 does not change the argmin.
                var (best, idx) = (sqE - dot.Times(2L)).min(1);
                dists.Add(best.Plus((rows * rows).sum(1)).ClampMin(0).sqrt());
                indices.Add(idx);
            }
        }
        var d = dists.Count == 1 ? dists[0] : cat(dists.ToArray(), 0);
        var i = indices.Count == 1 ? indices[0] : cat(indices.ToArray(), 0);
        return (d.MoveToOuterDisposeScope(), i.MoveToOuterDisposeScope());
    }

    private void RequireWidth(Tensor t, string what)
    {
        if (t.dim() != 2 || t.shape[1] != Width)
            throw new ArgumentException($"{what} must be [rows, {Width}], got [{string.Join(", ", t.shape)}]");
    }
}
