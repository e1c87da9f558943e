using LeapEngine.Core.Partitioning;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Partitioning;

/// <summary>Leader clustering on constructed data where the right partition is known.</summary>
public class PlantedClusterTests
{
    [Theory]
    [InlineData(PartitionMetric.Cosine, 0.5)]
    [InlineData(PartitionMetric.Euclidean, 8.0)]
    public void Planted_clusters_are_recovered_with_the_right_count_and_members(PartitionMetric metric, double theta)
    {
        var (points, labels) = PlantedData.Clusters(k: 7, perCluster: 60, width: 24, spread: 10, noise: 0.3, seed: 1);
        using var _ = points;
        var batches = PlantedData.Batches(points, 50);
        using var d = ExemplarPartitioner.BuildFromActivations(batches, new PartitionOptions { Metric = metric, Theta = theta, SaturationBatches = 0 });

        Assert.Equal(7, d.RegionCount);
        Assert.Equal(420, d.Counts.Sum());
        // Same planted label <=> same region: assign every point and compare the two partitions.
        var regions = AssignRows(d, points);
        for (int i = 0; i < labels.Length; i++)
            for (int j = i + 1; j < labels.Length; j += 7)
                Assert.Equal(labels[i] == labels[j], regions[i] == regions[j]);
        Assert.All(d.Counts, c => Assert.Equal(60, c));
    }

    [Fact]
    public void Every_point_founds_its_own_region_below_the_noise_and_the_buffer_grows_without_losing_rows()
    {
        using var points = randn(3000, 8, generator: new TorchSharp.torch.Generator(3));
        var options = new PartitionOptions { Metric = PartitionMetric.Euclidean, Theta = 1e-6, SaturationBatches = 0 };
        using var d = ExemplarPartitioner.BuildFromActivations(PlantedData.Batches(points, 500), options);
        Assert.Equal(3000, d.RegionCount);
        Assert.True(d.Info.Build.BufferGrowths >= 2, $"expected the 1024-row buffer to double at least twice, got {d.Info.Build.BufferGrowths}");
        // Exemplars are the points themselves (centred), in stream order, after every growth.
        using var expected = points - d.Centre;
        Assert.True(expected.allclose(d.Exemplars, rtol: 0, atol: 1e-5));
        Assert.All(d.Counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Within_a_batch_unmatched_rows_join_the_nearest_earlier_leader()
    {
        // Euclidean, 1-D, centre removed by construction: 0, 10, 0.4, 9.7, 0.9 at theta 0.5:
        // 0 leads, 10 leads, 0.4 joins 0, 9.7 joins 10, 0.9 is 0.5 from 0.4 but 0.9 from its leader 0 -> new region.
        using var points = tensor(new float[] { 0, 10, 0.4f, 9.7f, 0.9f }, [5, 1]);
        using var centre = zeros(1);
        var normaliser = new ActivationNormaliser(PartitionMetric.Euclidean, centre);
        using var clusterer = new LeaderClusterer(normaliser, 0.5, CPU);
        var batch = clusterer.Add(points);
        Assert.Equal(new[] { 0, 1, 0, 1, 2 }, batch.Regions);
        Assert.Equal(3, batch.NewRegions);
        // A second batch matches existing exemplars first.
        using var more = tensor(new float[] { 0.2f, 1.0f, 5f }, [3, 1]);
        var second = clusterer.Add(more);
        Assert.Equal(new[] { 0, 2, 3 }, second.Regions);
        Assert.Equal(new long[] { 3, 2, 2, 1 }, clusterer.Matrix.Counts);
    }

    [Fact]
    public void Percentile_is_the_nearest_rank_of_within_batch_pair_distances()
    {
        using var a = randn(40, 6, generator: new TorchSharp.torch.Generator(5));
        using var b = randn(30, 6, generator: new TorchSharp.torch.Generator(6));
        using var centre = zeros(6);
        var normaliser = new ActivationNormaliser(PartitionMetric.Euclidean, centre);
        var pairs = new List<double>();
        foreach (var t in new[] { a, b })
        {
            var rows = t.data<float>().ToArray();
            int n = (int)t.shape[0];
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                    pairs.Add(Math.Sqrt(Enumerable.Range(0, 6).Sum(x => Math.Pow(rows[i * 6 + x] - rows[j * 6 + x], 2))));
        }
        pairs.Sort();
        foreach (var p in new[] { 1.0, 10, 50, 90 })
        {
            double expected = pairs[(int)Math.Ceiling(p / 100 * pairs.Count) - 1];
            Assert.Equal(expected, ThresholdCalibration.Percentile(normaliser, [a, b], p), 4);
        }
    }

    [Fact]
    public void Saturation_stops_the_build_once_no_new_region_appears()
    {
        var (points, _) = PlantedData.Clusters(k: 4, perCluster: 500, width: 16, spread: 10, noise: 0.2, seed: 2);
        using var _p = points;
        var options = new PartitionOptions { Theta = 0.5, SaturationBatches = 3 };
        using var d = ExemplarPartitioner.BuildFromActivations(PlantedData.Batches(points, 40), options);
        Assert.Equal("saturated", d.Info.Build.StopReason);
        Assert.Equal(4, d.RegionCount);
        Assert.True(d.Info.Build.Tokens < 2000);
    }

    [Fact]
    public void Max_tokens_cuts_the_stream_exactly()
    {
        using var points = randn(500, 4, generator: new TorchSharp.torch.Generator(7));
        using var d = ExemplarPartitioner.BuildFromActivations(PlantedData.Batches(points, 64),
            new PartitionOptions { Theta = 0.3, MaxTokens = 150, SaturationBatches = 0 });
        Assert.Equal(150, d.Info.Build.Tokens);
        Assert.Equal(150, d.Counts.Sum());
        Assert.Equal("max tokens", d.Info.Build.StopReason);
    }

    [Fact]
    public void Centre_follows_the_formula()
    {
        using var a = tensor(new float[] { 3, 1, 1, 3, 2, 2 }, [3, 2]);
        using var c = ActivationNormaliser.FitCentre([a]);
        // dir = normalise(mean(a/|a|)) = (1, 1)/sqrt2; mean(a) = (2, 2); c = dir * (mean . dir) = (2, 2).
        Assert.Equal(2f, c[0].item<float>(), 4);
        Assert.Equal(2f, c[1].item<float>(), 4);
    }

    [Fact]
    public void Bad_options_and_empty_input_say_what_to_fix()
    {
        Assert.Contains("percentile", Assert.Throws<ArgumentException>(() => new PartitionOptions { Percentile = 0 }.Validate()).Message);
        Assert.Contains("theta", Assert.Throws<ArgumentException>(() => new PartitionOptions { Theta = -1 }.Validate()).Message);
        Assert.Contains("batch size", Assert.Throws<ArgumentException>(() => new PartitionOptions { BatchSize = 0 }.Validate()).Message);
        var ex = Assert.Throws<ArgumentException>(() => ExemplarPartitioner.BuildFromActivations([], new PartitionOptions()));
        Assert.Contains("empty", ex.Message);
    }

    internal static int[] AssignRows(ExemplarDictionary d, Tensor points)
    {
        using var scope = NewDisposeScope();
        var n = d.Normaliser;
        return n.Nearest(n.Normalise(points), d.Exemplars).Index.data<long>().ToArray().Select(x => (int)x).ToArray();
    }
}
