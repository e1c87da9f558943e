using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Partitioning;

public class MatchingAndMetricsTests
{
    [Fact]
    public void Planted_clusters_match_across_two_streams_by_their_labels()
    {
        var (points, labels) = PlantedData.Clusters(k: 6, perCluster: 40, width: 20, spread: 10, noise: 0.3, seed: 8);
        using var _ = points;
        var options = new PartitionOptions { Theta = 0.5, SaturationBatches = 0 };
        using var a = ExemplarPartitioner.BuildFromActivations(PlantedData.Batches(points, 30), options);
        // The same clusters streamed in reverse order found their regions in another order.
        using var reversed = points.flip(0);
        using var b = ExemplarPartitioner.BuildFromActivations(PlantedData.Batches(reversed, 30), options);
        var match = DictionaryMatcher.Match(a, b);

        Assert.Equal(6, match.Persisted.Count);
        Assert.Empty(match.Dropped);
        Assert.Empty(match.Introduced);
        // A region of a and its partner in b hold the same planted cluster.
        var regionA = PlantedClusterTests.AssignRows(a, points);
        var regionB = PlantedClusterTests.AssignRows(b, points);
        var labelOfA = Enumerable.Range(0, labels.Length).GroupBy(i => regionA[i]).ToDictionary(g => g.Key, g => labels[g.First()]);
        var labelOfB = Enumerable.Range(0, labels.Length).GroupBy(i => regionB[i]).ToDictionary(g => g.Key, g => labels[g.First()]);
        Assert.All(match.Persisted, p => Assert.Equal(labelOfA[p.A], labelOfB[p.B]));
        Assert.All(match.Persisted, p => Assert.True(p.Cosine > 0.9));
    }

    [Fact]
    public void Unmatched_regions_are_dropped_and_introduced()
    {
        // a: directions e0, e1, e2; b: e1, e2 and e3 -> e0 dropped, e3 introduced.
        using var a = ExemplarPartitioner.BuildFromActivations([Axes(0, 1, 2, 0, 1, 2)], new PartitionOptions { Theta = 0.5 });
        using var b = ExemplarPartitioner.BuildFromActivations([Axes(3, 2, 1, 3, 2, 1)], new PartitionOptions { Theta = 0.5 });
        var match = DictionaryMatcher.Match(a, b);
        Assert.Equal(2, match.Persisted.Count);
        Assert.Single(match.Dropped);
        Assert.Single(match.Introduced);
    }

    [Fact]
    public void Dictionaries_of_different_widths_cannot_be_matched()
    {
        using var a = ExemplarPartitioner.BuildFromActivations([randn(20, 8)], new PartitionOptions { Theta = 0.5 });
        using var b = ExemplarPartitioner.BuildFromActivations([randn(20, 6)], new PartitionOptions { Theta = 0.5 });
        Assert.Contains("same width", Assert.Throws<ArgumentException>(() => DictionaryMatcher.Match(a, b)).Message);
    }

    [Fact]
    public void Size_statistics_have_their_textbook_values()
    {
        Assert.Equal(0, PartitionMetrics.Gini([5, 5, 5, 5]), 9);
        Assert.Equal(0.75, PartitionMetrics.Gini([0, 0, 0, 10]), 9);
        Assert.Equal(4, PartitionMetrics.EffectiveNumber([5, 5, 5, 5]), 9);
        Assert.Equal(1, PartitionMetrics.EffectiveNumber([0, 0, 9]), 9);
    }

    [Fact]
    public void Auroc_counts_ties_as_half()
    {
        Assert.Equal(1, Auroc.Compute([0.1, 0.2], [0.3, 0.4]));
        Assert.Equal(0, Auroc.Compute([0.3, 0.4], [0.1, 0.2]));
        Assert.Equal(0.5, Auroc.Compute([1, 1], [1, 1]));
        Assert.Equal(0.75, Auroc.Compute([0.1, 0.3], [0.2, 0.4]));
    }

    [Fact]
    public void Corpus_specs_and_files_are_read()
    {
        Assert.Equal(5, CorpusSource.Open("stories:5").Count());
        Assert.Equal(CorpusSource.Open("stories:3:9"), CorpusSource.Open("stories:3:9"));
        Assert.NotEqual(CorpusSource.Open("stories:3:9"), CorpusSource.Open("stories:3:10"));
        var path = Path.Combine(Path.GetTempPath(), $"leap-corpus-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllLines(path, ["{\"text\": \"Tom ran.\"}", "", "{\"text\": \"Sue sat.\"}"]);
            Assert.Equal(["Tom ran.", "Sue sat."], CorpusSource.Open(path));
            File.WriteAllLines(path, ["{\"title\": 1}"]);
            Assert.Throws<InvalidDataException>(() => CorpusSource.Open(path).ToList());
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Throws<FileNotFoundException>(() => CorpusSource.Open("no/such/file.txt"));
        Assert.Throws<ArgumentException>(() => CorpusSource.Open("stories:0"));
    }

    /// <summary>Rows along the given axes of a 4-D space, scaled up, plus a little noise.</summary>
    private static Tensor Axes(params int[] axes)
    {
        var rows = eye(4).index_select(0, tensor(axes.Select(a => (long)a).ToArray())) * 10;
        return rows + randn(rows.shape, generator: new TorchSharp.torch.Generator(1)) * 0.01;
    }
}
