using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>Pooling curve rows over benchmark seeds: prompt-weighted means, per-seed recalls, and refusals of rows that cannot be pooled.</summary>
public sealed class AttributionCurvesPoolTests
{
    private static AttributionCurveRow Row(int seed, string config, int length, int prompts, double recall, double top, double rank, double passes, int correct,
        string density = "1%", int planted = 3) =>
        new(seed, config == "itp" ? "itp" : "hipe pizza", config, "remove", length, density, planted, prompts, recall, top, rank, passes, correct);

    [Fact]
    public void Seeds_are_pooled_weighted_by_their_prompts()
    {
        var cells = AttributionCurves.Pool(
        [
            Row(12, "itp", 256, prompts: 2, recall: 1.0, top: 1.0, rank: 1, passes: 257, correct: 2),
            Row(11, "itp", 256, prompts: 6, recall: 0.2, top: 0.5, rank: 9, passes: 257, correct: 5),
            Row(11, "pizza", 256, prompts: 6, recall: 0.0, top: 0.0, rank: 40, passes: 4, correct: 6),
        ]);
        Assert.Equal(["itp", "pizza"], cells.Select(c => c.Config));
        var itp = cells[0];
        Assert.Equal(8, itp.Prompts);
        Assert.Equal((1.0 * 2 + 0.2 * 6) / 8, itp.RecallAtK, 12);   // 0.4: not the unweighted 0.6
        Assert.Equal((1.0 * 2 + 0.5 * 6) / 8, itp.TopIsPlanted, 12);
        Assert.Equal((1.0 * 2 + 9 * 6) / 8, itp.MeanBestRank, 12);
        Assert.Equal(257, itp.MeanEvaluations, 12);
        Assert.Equal(7, itp.ModelCorrect);
        Assert.Equal([11, 12], itp.Seeds);   // ordered by seed, with each seed's own recall beside it
        Assert.Equal([0.2, 1.0], itp.SeedRecalls);
        Assert.Equal(("itp", 3, "1%"), (itp.Family, itp.Planted, itp.Density));
    }

    [Fact]
    public void Lengths_densities_and_perturbations_are_separate_cells()
    {
        var cells = AttributionCurves.Pool(
        [
            Row(11, "itp", 256, 1, 1, 1, 1, 257, 1), Row(11, "itp", 512, 1, 0, 0, 5, 513, 1),
            Row(11, "itp", 256, 1, 0.5, 0, 3, 257, 1, density: "10%", planted: 26),
            Row(11, "itp", 256, 1, 0.5, 0, 3, 257, 1) with { Perturbation = "token: bo" },
        ]);
        Assert.Equal(4, cells.Count);
        Assert.All(cells, c => Assert.Equal(1, c.Prompts));
    }

    [Fact]
    public void A_seed_given_twice_or_cells_that_disagree_on_the_copies_are_refused()
    {
        var twice = Assert.Throws<ArgumentException>(() => AttributionCurves.Pool(
            [Row(11, "itp", 256, 4, 1, 1, 1, 257, 4), Row(11, "itp", 256, 4, 1, 1, 1, 257, 4)]));
        Assert.Contains("seed 11 appears twice for itp at 256 words, 1%, remove", twice.Message);
        var copies = Assert.Throws<ArgumentException>(() => AttributionCurves.Pool(
            [Row(11, "itp", 256, 4, 1, 1, 1, 257, 4, planted: 3), Row(12, "itp", 256, 4, 1, 1, 1, 257, 4, planted: 2)]));
        Assert.Contains("plant different numbers of copies: 3, 2", copies.Message);
    }
}
