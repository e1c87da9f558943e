using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>
/// Purity and AMI against hand computations, scikit-learn's documented cases, and an independent computation of the
/// expected mutual information: the mean MI over every permutation of the items (the definition the hypergeometric
/// formula sums in closed form).
/// </summary>
public class ClusterAgreementTests
{
    [Fact]
    public void Scikit_learns_documented_cases_hold()
    {
        // adjusted_mutual_info_score docs: a relabelled perfect match is 1; classes split over singletons are 0.
        Assert.Equal(1.0, ClusterAgreement.AdjustedMutualInformation([0, 0, 1, 1], [0, 0, 1, 1]), 12);
        Assert.Equal(1.0, ClusterAgreement.AdjustedMutualInformation([1, 1, 0, 0], [0, 0, 1, 1]), 12);
        Assert.Equal(0.0, ClusterAgreement.AdjustedMutualInformation([0, 1, 2, 3], [0, 0, 0, 0]), 12);
        // Both sides one part: scikit-learn returns 1 (nothing to disagree about).
        Assert.Equal(1.0, ClusterAgreement.AdjustedMutualInformation([5, 5, 5], [2, 2, 2]));
    }

    [Fact]
    public void Mutual_information_and_ami_match_a_hand_computation()
    {
        // regions {0,0,0,1}, labels {0,0,1,1}: n = [[2,1],[0,1]], a = (3,1), b = (2,2), N = 4.
        // MI = 2/4 ln(4*2/(3*2)) + 1/4 ln(4*1/(3*2)) + 1/4 ln(4*1/(1*2)).
        double mi = 0.5 * Math.Log(4.0 / 3) + 0.25 * Math.Log(2.0 / 3) + 0.25 * Math.Log(2);
        var table = ClusterAgreement.Contingency([0, 0, 0, 1], [0, 0, 1, 1]);
        Assert.Equal(mi, ClusterAgreement.MutualInformation(table), 12);
        // Wherever the lone region-1 item falls, the table is the same up to relabelling: E[MI] = MI, so AMI = 0
        // although MI > 0 — exactly what the correction is for.
        Assert.Equal(mi, ClusterAgreement.ExpectedMutualInformation([3, 1], [2, 2]), 12);
        Assert.Equal(0.0, ClusterAgreement.AdjustedMutualInformation(table), 12);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 1, 1, 1, 2, 2 }, new[] { 0, 0, 0, 1, 1, 1, 2 }, 0.1912924413003631)]
    [InlineData(new[] { 0, 1, 1, 0, 2, 2, 2, 1 }, new[] { 1, 1, 0, 0, 0, 2, 2, 2 }, -0.17423307073215466)]
    public void ExpectedMutualInformationIsTheMeanOverAllPermutations(int[] regions, int[] labels, double amiByEnumeration)
    {
        // Independent: average MI over all n! orders of the region labels (what "expected under random assignment" means).
        double sum = 0;
        long count = 0;
        foreach (var order in Permutations(regions))
        {
            sum += ClusterAgreement.MutualInformation(ClusterAgreement.Contingency(order, labels));
            count++;
        }
        var table = ClusterAgreement.Contingency(regions, labels);
        var a = regions.GroupBy(r => r).Select(g => (long)g.Count()).ToArray();
        var b = labels.GroupBy(l => l).Select(g => (long)g.Count()).ToArray();
        Assert.Equal(sum / count, ClusterAgreement.ExpectedMutualInformation(a, b), 12);
        // The AMI value was computed the same way (enumeration, in Python) when the test was written.
        Assert.Equal(amiByEnumeration, ClusterAgreement.AdjustedMutualInformation(table), 10);
    }

    [Fact]
    public void Purity_counts_each_regions_majority_label()
    {
        // Region 0 holds labels {0,0,1}, region 1 {1}, region 2 {2,0}: majorities 2 + 1 + 1 of 6.
        var table = ClusterAgreement.Contingency([0, 0, 0, 1, 2, 2], [0, 0, 1, 1, 2, 0]);
        Assert.Equal(4.0 / 6, ClusterAgreement.Purity(table), 12);
        // One region per item is perfectly "pure" but carries nothing beyond chance about the labels: AMI exposes it.
        var singletons = ClusterAgreement.Contingency([0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 2, 2]);
        Assert.Equal(1.0, ClusterAgreement.Purity(singletons));
        Assert.Equal(0.0, ClusterAgreement.AdjustedMutualInformation(singletons), 12);
    }

    [Fact]
    public void Ami_of_unrelated_labels_is_near_zero_whatever_the_region_count()
    {
        var rng = new Random(4);
        var labels = Enumerable.Range(0, 3000).Select(_ => rng.Next(6)).ToArray();
        foreach (int regions in new[] { 6, 60, 300 })
        {
            var random = Enumerable.Range(0, labels.Length).Select(_ => rng.Next(regions)).ToArray();
            double ami = ClusterAgreement.AdjustedMutualInformation(random, labels);
            Assert.InRange(ami, -0.02, 0.02);
            // Raw MI grows with the number of regions even though they are random; that is what AMI removes.
            Assert.True(ClusterAgreement.MutualInformation(ClusterAgreement.Contingency(random, labels)) > 0);
        }
        Assert.Equal(1.0, ClusterAgreement.AdjustedMutualInformation(labels.Select(l => 10 - l).ToArray(), labels), 12);
    }

    [Fact]
    public void Mismatched_inputs_say_what_to_fix()
    {
        var e = Assert.Throws<ArgumentException>(() => ClusterAgreement.Contingency([0, 1], [0]));
        Assert.Contains("one of each per item", e.Message);
        Assert.Throws<ArgumentException>(() => ClusterAgreement.ExpectedMutualInformation([2, 2], [3]));
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1) { yield return items.ToArray(); yield break; }
        for (int i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, k) => k != i).ToArray();
            foreach (var tail in Permutations(rest)) yield return [items[i], .. tail];
        }
    }
}
