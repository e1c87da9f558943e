using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using Xunit.Abstractions;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>
/// The CI short version of task 4 and its partition benchmark, on a small model trained in seconds: the model learns the
/// categories and its causal checks hold; the benchmark's position-to-region alignment agrees with the dictionary's own
/// per-text assignment; and its figures obey what holds by construction.
/// </summary>
public class LatentCategoryModelTests(LatentCategoryModelFixture fixture, ITestOutputHelper output) : IClassFixture<LatentCategoryModelFixture>
{
    private static readonly PartitionBenchOptions SmallBench = new()
    {
        Hooks = ["blocks.0.hook_resid_pre"], CorpusPrompts = 24, Length = 12, ProbePrompts = 12,
        AblationPromptsPerCategory = 4, MaxAblatedRegions = 2, OodPrompts = 8, Seed = 3,
    };

    [Fact]
    public void The_small_model_learns_the_categories_and_passes_the_causal_checks()
    {
        var report = SyntheticEvaluator.Evaluate(fixture.Model.Network, fixture.Task, seed: 1_000_000 + LatentCategoryModelFixture.Seed,
            lengths: [8, 16], perLength: 100);
        output.WriteLine($"trained in {fixture.Log.Seconds:F1} s, final loss {fixture.Log.Losses[^1].Loss:F4}, accuracy {report.Accuracy:P1}");
        foreach (var c in report.Interventions) output.WriteLine($"{c.Name}: {c.Agreed}/{c.Total}, changed {c.Changed}");
        Assert.True(report.Accuracy >= 0.95, $"held-out accuracy {report.Accuracy:P1}");
        var byName = report.Interventions.ToDictionary(c => c.Name);
        Assert.Equal(3, byName.Count);
        Assert.All(report.Interventions, c => Assert.True(c.Rate >= 0.9, $"{c.Name}: {c.Agreed}/{c.Total}"));
        // Within a category nothing should move; across categories (and on removal) every answer should.
        Assert.True(byName["swap an entity within its category"].Changed <= byName["swap an entity within its category"].Total / 10);
        Assert.True(byName["swap the entities for another category's"].Changed >= byName["swap the entities for another category's"].Total * 9 / 10);
    }

    [Fact]
    public void Benchmark_positions_align_with_the_dictionarys_own_assignment()
    {
        var vocab = SyntheticVocabulary.Instance;
        var corpus = PartitionBench.Prompts(fixture.Task, new Random(1), 40, 12);
        using var dictionary = ExemplarPartitioner.Build(fixture.Model, new PartitionOptions { ContextLength = 13 },
            corpus.Select(e => vocab.Text(e.Tokens)).ToList());
        var prompts = PartitionBench.Prompts(fixture.Task, new Random(2), 10, 12);
        var regions = PartitionBench.AssignRegions(fixture.Model, dictionary, prompts);
        for (int p = 0; p < prompts.Count; p++)
        {
            // The public per-text path: one token per word after BOS, in order.
            var own = dictionary.Assign(fixture.Model, vocab.Text(prompts[p].Tokens));
            Assert.Equal(own.Tokens.Select(t => t.Region), regions[p]);
            Assert.Equal(prompts[p].Tokens.Select(w => " " + vocab.Word(w)), own.Tokens.Select(t => t.Token));
        }
        var (entityRegions, entityLabels, stateRegions, _) = PartitionBench.Labelled(fixture.Task, prompts, regions);
        Assert.Equal(prompts.Sum(e => e.Planted.Length), entityLabels.Count);
        Assert.Equal(entityRegions.Count, entityLabels.Count);
        Assert.Equal(120, stateRegions.Count);
    }

    /// <summary>Not Slow: 1.5 s on the quiet CI machine (it took 15 min with two hooks and twice the prompts at a load average of 60).</summary>
    [Fact]
    public void The_small_benchmark_keeps_what_holds_by_construction()
    {
        var results = PartitionBench.Run(fixture.Model, fixture.Task, SmallBench);
        Assert.Equal(["blocks.0.hook_resid_pre"], results.Select(r => r.Hook));
        var probes = PartitionBench.Prompts(fixture.Task, SmallBench.Generator(PartitionBenchOptions.Stream.Probes), SmallBench.ProbePrompts, SmallBench.Length);
        foreach (var r in results)
        {
            output.WriteLine($"{r.Hook}: {r.Regions} regions; " + string.Join("; ", r.Agreement.Select(a => $"{a.Labels}: purity {a.Purity:F3} AMI {a.Ami:F3}")));
            Assert.Equal(probes.Sum(e => e.Planted.Length), r.Agreement[0].Items);
            Assert.Equal(SmallBench.ProbePrompts * SmallBench.Length, r.Agreement[1].Items);
            Assert.All(r.Agreement, a => Assert.InRange(a.Purity, 0, 1));
            Assert.All(r.Agreement, a => Assert.True(a.Ami <= 1 + 1e-9));

            Assert.Equal(6 * 3, r.Ablation.Count);
            foreach (var category in r.Ablation.GroupBy(a => a.Category))
            {
                var matched = category.Single(a => a.Selection == "matched regions").Regions;
                var random = category.Single(a => a.Selection == "random regions (control)").Regions;
                Assert.Empty(matched.Intersect(random));
                Assert.Equal(matched.Length, random.Length);
                Assert.All(category, a => Assert.InRange(a.Regions.Length, 0, SmallBench.MaxAblatedRegions));
                Assert.Single(category.Select(a => a.CategoryBefore).Distinct());   // one un-ablated baseline per category
            }

            Assert.Equal(5, r.Ood.Count);
            Assert.All(r.Ood, o => Assert.InRange(o.AurocMean, 0, 1));
        }
        // Before the first block the residual stream is the token embedding (rotary positions act inside attention):
        // a shuffled prompt has the same multiset of activations, so its max and fraction-beyond-theta are the in-set's.
        var shuffled = results[0].Ood.Single(o => o.Difficulty.StartsWith("null"));
        Assert.Equal(0.5, shuffled.AurocMax, 12);
        Assert.Equal(0.5, shuffled.AurocBeyondTheta, 12);
        Assert.InRange(shuffled.AurocMean, 0.5 - 1.0 / SmallBench.OodPrompts, 0.5 + 1.0 / SmallBench.OodPrompts);
    }
}
