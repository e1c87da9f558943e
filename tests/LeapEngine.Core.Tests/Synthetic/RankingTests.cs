using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>Ranks with fair ties, against hand-worked cases and an enumeration of every tie order.</summary>
public class RankingTests
{
    [Fact]
    public void Distinct_scores_rank_by_score()
    {
        double[] scores = [0.5, 3, -1, 2];
        Assert.Equal([3.0, 1.0, 4.0, 2.0], Enumerable.Range(0, 4).Select(u => Ranking.MidRank(scores, u)));
        Assert.Equal(1.0, Ranking.InTopK(scores, 1, 1));
        Assert.Equal(0.0, Ranking.InTopK(scores, 3, 1));
        Assert.Equal(1.0, Ranking.InTopK(scores, 3, 2));
        Assert.Equal(1.0, Ranking.AllInTopK(scores, [1, 3]));
        Assert.Equal(0.0, Ranking.AllInTopK(scores, [1, 0]));
    }

    [Fact]
    public void Tied_scores_share_their_places_whatever_their_position()
    {
        // Five units, all 0 (a search that stopped at once): each is in the middle, the first unit no better than the last.
        double[] zeros = [0, 0, 0, 0, 0];
        Assert.All(Enumerable.Range(0, 5), u => Assert.Equal(3.0, Ranking.MidRank(zeros, u)));
        Assert.All(Enumerable.Range(0, 5), u => Assert.Equal(0.2, Ranking.InTopK(zeros, u, 1), 12));
        Assert.Equal(0.4, Ranking.InTopK(zeros, 4, 2), 12);
        Assert.Equal(0.1, Ranking.AllInTopK(zeros, [0, 4]), 12);   // 1 / C(5, 2)

        // Two clear places, then three tied: the tied share places 3-5.
        double[] scores = [1, 0, 5, 0, 0];
        Assert.Equal(2.0, Ranking.MidRank(scores, 0));
        Assert.Equal(1.0, Ranking.MidRank(scores, 2));
        Assert.Equal(4.0, Ranking.MidRank(scores, 3));
        Assert.Equal(0.0, Ranking.InTopK(scores, 1, 2));
        Assert.Equal(1 / 3.0, Ranking.InTopK(scores, 1, 3), 12);
        Assert.Equal(0.0, Ranking.AllInTopK(scores, [2, 1]));   // unit 0 (score 1) beats the tied unit 1
        Assert.Equal(1.0, Ranking.AllInTopK(scores, [2, 0]));
    }

    [Fact]
    public void The_probabilities_are_the_averages_over_every_order_of_the_tied_units()
    {
        double[] scores = [2, 1, 1, 1, 0, 1, 2];
        var orders = Permutations(Enumerable.Range(0, scores.Length).ToList())
            .Where(o => o.Zip(o.Skip(1)).All(p => scores[p.First] >= scores[p.Second]))   // orders consistent with the scores
            .ToList();
        for (int u = 0; u < scores.Length; u++)
        {
            Assert.Equal(orders.Average(o => o.IndexOf(u) + 1.0), Ranking.MidRank(scores, u), 12);
            for (int k = 1; k <= scores.Length; k++)
                Assert.Equal(orders.Average(o => o.IndexOf(u) < k ? 1.0 : 0.0), Ranking.InTopK(scores, u, k), 12);
        }
        foreach (int[] set in new[] { new[] { 0, 6 }, [0, 1], [1, 2], [0, 6, 3], [4] })
            Assert.Equal(orders.Average(o => o.Take(set.Length).ToHashSet().SetEquals(set) ? 1.0 : 0.0), Ranking.AllInTopK(scores, set), 12);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        double[] scores = [1, 2];
        Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.MidRank(scores, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ranking.InTopK(scores, 0, 0));
        Assert.Contains("no finite score", Assert.Throws<ArgumentException>(() => Ranking.MidRank([double.NaN, 1], 0)).Message);
        Assert.Contains("repeat", Assert.Throws<ArgumentException>(() => Ranking.AllInTopK(scores, [1, 1])).Message);
        Assert.Throws<ArgumentException>(() => Ranking.AllInTopK(scores, []));
    }

    private static IEnumerable<List<int>> Permutations(List<int> items)
    {
        if (items.Count <= 1) { yield return items.ToList(); yield break; }
        foreach (int first in items)
            foreach (var rest in Permutations(items.Where(i => i != first).ToList()))
                yield return [first, .. rest];
    }
}
