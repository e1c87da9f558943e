using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>Intrinsic measures of a dictionary, from its own build.</summary>
public sealed record DictionaryMetrics
{
    public int Regions { get; init; }
    public long Tokens { get; init; }
    /// <summary>Fraction of build tokens that joined an existing region rather than founding one: 1 - regions / tokens.</summary>
    public double Coverage { get; init; }
    /// <summary>Regions with a single member (the exemplar).</summary>
    public int Singletons { get; init; }
    /// <summary>Gini coefficient of region sizes: 0 all equal, towards 1 a few regions hold everything.</summary>
    public double Gini { get; init; }
    /// <summary>exp(entropy of the size distribution): the number of equal regions with the same entropy.</summary>
    public double EffectiveRegions { get; init; }
    /// <summary>Mean distance of members to their exemplar, over all build tokens.</summary>
    public double MeanIntraDistance { get; init; }
    /// <summary>Mean over exemplars of (distance to the nearest other exemplar) / theta; above 1 by construction.</summary>
    public double SeparationRatio { get; init; }
    /// <summary>The smallest exemplar-to-exemplar distance / theta.</summary>
    public double MinSeparationRatio { get; init; }
}

public static class PartitionMetrics
{
    /// <summary>Rows of exemplars compared at a time when finding nearest neighbours.</summary>
    private const int Block = 1024;

    public static DictionaryMetrics Compute(ExemplarDictionary dictionary)
    {
        var counts = dictionary.Counts;
        long tokens = counts.Sum();
        var (mean, min) = Separation(dictionary);
        return new DictionaryMetrics
        {
            Regions = counts.Length,
            Tokens = tokens,
            Coverage = tokens > 0 ? 1 - counts.Length / (double)tokens : 0,
            Singletons = counts.Count(c => c == 1),
            Gini = Gini(counts),
            EffectiveRegions = EffectiveNumber(counts),
            MeanIntraDistance = tokens > 0 ? dictionary.DistanceSums.Sum() / tokens : 0,
            SeparationRatio = mean / dictionary.Theta,
            MinSeparationRatio = min / dictionary.Theta,
        };
    }

    /// <summary>Gini of non-negative sizes: sum_i (2i - n - 1) x_(i) / (n sum x), sizes sorted ascending, i from 1.</summary>
    public static double Gini(IReadOnlyList<long> sizes)
    {
        int n = sizes.Count;
        double total = sizes.Sum();
        if (n == 0 || total == 0) return 0;
        var sorted = sizes.OrderBy(x => x).ToArray();
        double acc = 0;
        for (int i = 0; i < n; i++) acc += (2.0 * (i + 1) - n - 1) * sorted[i];
        return acc / (n * total);
    }

    public static double EffectiveNumber(IReadOnlyList<long> sizes)
    {
        double total = sizes.Sum();
        if (total == 0) return 0;
        double entropy = 0;
        foreach (var s in sizes)
            if (s > 0) { double p = s / total; entropy -= p * Math.Log(p); }
        return Math.Exp(entropy);
    }

    /// <summary>Mean and minimum nearest-other-exemplar distance (0, 0 with fewer than two regions).</summary>
    private static (double Mean, double Min) Separation(ExemplarDictionary dictionary)
    {
        int k = dictionary.RegionCount;
        if (k < 2) return (0, 0);
        using var scope = NewDisposeScope();
        var normaliser = dictionary.Normaliser;
        var e = dictionary.Exemplars;
        double sum = 0, min = double.PositiveInfinity;
        for (int start = 0; start < k; start += Block)
        {
            int rows = Math.Min(Block, k - start);
            var d = normaliser.Distances(e.narrow(0, start, rows), e);                      // [rows, k]
            // Exclude each exemplar's distance to itself.
            var self = ScalarOps.Arange(start, start + rows).unsqueeze(1);
            using var scalars = new ScalarScope();
            d = d.scatter(1, self, full(rows, 1, scalars.Of(double.PositiveInfinity), dtype: d.dtype));
            var nearest = d.min(1).values.to(ScalarType.Float64).data<double>().ToArray();
            sum += nearest.Sum();
            min = Math.Min(min, nearest.Min());
        }
        return (sum / k, min);
    }
}
