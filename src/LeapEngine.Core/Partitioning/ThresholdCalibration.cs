using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// Picks theta as the p-th percentile of the pairwise distances between activations of the
/// same batch, pooled over the calibration batches and measured with the final centre.
/// Smaller p gives tighter regions and more of them.
/// </summary>
public static class ThresholdCalibration
{
    /// <summary>Rows per batch whose pairs are used: 1024 rows give ~0.5M pairs, plenty for a percentile.</summary>
    public const int MaxRowsPerBatch = 1024;

    /// <summary>
    /// Nearest-rank percentile (the smallest distance with at least p% of pairs at or below
    /// it) of within-batch pairwise distances; <paramref name="normalised"/> holds u per batch.
    /// </summary>
    public static double Percentile(ActivationNormaliser normaliser, IReadOnlyList<Tensor> normalised, double percentile, long seed = 0)
    {
        if (percentile <= 0 || percentile >= 100) throw new ArgumentException($"percentile must lie in (0, 100), got {percentile}");
        using var scope = NewDisposeScope();
        using var rng = new TorchSharp.torch.Generator((ulong)seed);
        var pooled = new List<Tensor>();
        foreach (var batch in normalised)
        {
            var u = batch;
            long n = u.shape[0];
            if (n < 2) continue;
            if (n > MaxRowsPerBatch)
                u = u.index_select(0, randperm(n, generator: rng).narrow(0, 0, MaxRowsPerBatch).to(u.device));
            var d = normaliser.Distances(u, u);                                           // [rows, rows]
            var pairs = triu_indices(u.shape[0], u.shape[0], offset: 1, device: u.device);   // [2, pairs], i < j
            pooled.Add(d.flatten().index_select(0, pairs[0].Times(u.shape[0]).Plus(pairs[1])));
        }
        if (pooled.Count == 0)
            throw new ArgumentException("calibration needs at least one batch with two or more tokens; give a longer corpus or set theta");
        var all = cat(pooled.ToArray(), 0);
        long k = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * all.shape[0]));
        var value = all.kthvalue(k, 0, false).values.to(ScalarType.Float64).item<double>();
        if (!(value > 0))
            throw new ArgumentException(
                $"the {percentile}th percentile of calibration distances is {value}: too many identical activations; raise the percentile or set theta");
        return value;
    }
}
