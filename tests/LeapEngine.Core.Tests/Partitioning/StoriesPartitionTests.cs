using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Partitioning;

/// <summary>A dictionary built on stories260K: contents, file round trip, assignment, OOD scores, interventions.</summary>
[Collection(nameof(StoriesDictionaryCollection))]
public class StoriesPartitionTests(StoriesDictionaryFixture fixture)
{
    private ExemplarDictionary D => fixture.Dictionary;
    private LanguageModel Model => fixture.Model;

    [Fact]
    public void Build_clusters_every_non_bos_token_and_keeps_readable_examples()
    {
        long expected = StoryCorpus.Generate(StoriesDictionaryFixture.Texts).Sum(t => Math.Min(Model.Encode(t).Count, fixture.Options.ContextLength) - 1);
        Assert.Equal(expected, D.Info.Build.Tokens);
        Assert.Equal(expected, D.Counts.Sum());
        Assert.Equal("corpus exhausted", D.Info.Build.StopReason);
        Assert.Equal(64, D.Width);
        Assert.InRange(D.RegionCount, 20, 5000);
        Assert.Equal("stories260K", D.Info.ModelId);
        var largest = D.Regions(largestFirst: true)[0];
        Assert.Matches(@"\[[^\]]+\]", largest.Examples.Exemplar!.Snippet);
        Assert.NotEmpty(largest.Examples.Closest);
        Assert.True(largest.Examples.Closest.Zip(largest.Examples.Closest.Skip(1)).All(p => p.First.Distance <= p.Second.Distance));
        Assert.All(largest.Examples.Farthest, e => Assert.InRange(e.Distance, 0, D.Theta));
        Assert.InRange(largest.Coherence, 0.3, 1.0001);
        // Progress counts tokens and ends at the total seen.
        Assert.All(fixture.Progress, p => Assert.Equal("tokens", p.Unit));
        Assert.Equal(expected, fixture.Progress[^1].Done);
    }

    [Fact]
    public void Saved_and_reloaded_dictionary_is_bit_exact_and_assigns_identically()
    {
        var bytes = D.ToBytes();
        using var reloaded = ExemplarDictionary.FromBytes(bytes);
        Assert.Equal(bytes, reloaded.ToBytes());
        var path = Path.Combine(Path.GetTempPath(), $"leap-ep-{Guid.NewGuid():N}.safetensors");
        try
        {
            D.Save(path);
            Assert.Equal(bytes, File.ReadAllBytes(path));
            using var fromFile = ExemplarDictionary.Load(path);
            Assert.Equal(D.Info, fromFile.Info with { });
            Assert.Equal(D.Theta, fromFile.Theta);
            var text = "Once upon a time, Tom saw a big dog in the park.";
            var a = D.Assign(Model, text);
            var b = fromFile.Assign(Model, text);
            Assert.Equal(a.Tokens, b.Tokens);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Assignment_skips_bos_and_agrees_with_the_readouts()
    {
        var text = "Lily had a red ball. She liked to play in the garden.";
        var assignment = D.Assign(Model, text);
        Assert.Equal(Model.Encode(text).Count - 1, assignment.Tokens.Count);
        Assert.Equal(1, assignment.Tokens[0].Index);
        Assert.All(assignment.Tokens, t => Assert.Equal(t.Distance <= D.Theta, t.WithinTheta));
        using var binary = D.Readouts(Model, text, ReadoutKind.Binary);
        using var cosine = D.Readouts(Model, text, ReadoutKind.Cosine);
        using var signed = D.Readouts(Model, text, ReadoutKind.Signed);
        Assert.Equal(new long[] { assignment.Tokens.Count, D.RegionCount }, binary.shape);
        var hot = binary.argmax(1).data<long>().ToArray();
        var nearest = cosine.argmax(1).data<long>().ToArray();
        for (int i = 0; i < hot.Length; i++)
        {
            Assert.Equal(assignment.Tokens[i].Region, (int)hot[i]);
            Assert.Equal(assignment.Tokens[i].Region, (int)nearest[i]);   // cosine metric: nearest = largest u.e
            Assert.Equal(1 - assignment.Tokens[i].Distance, cosine[i, hot[i]].item<float>(), 3);
        }
        // Signed readouts are cosine readouts scaled by |a - c| per token: same sign everywhere.
        Assert.True((signed.sign() * cosine.sign()).ge(0).all().item<bool>());
    }

    [Fact]
    public void Ood_scores_separate_stories_from_random_tokens_and_other_text()
    {
        var stories = StoryCorpus.Generate(30, seed: 77).ToList();
        var random = D.EvaluateOod(Model, stories, OtherCorpora.RandomTokens(Model, 30, seed: 5));
        var technical = D.EvaluateOod(Model, stories, OtherCorpora.TechnicalText(30, seed: 5));
        Assert.True(random.AurocMean > 0.9, $"random-token AUROC {random.AurocMean}");
        Assert.True(technical.AurocMean > 0.9, $"technical-text AUROC {technical.AurocMean}");
        Assert.True(random.OutMeanScore > random.InMeanScore);
        var scores = D.Score(Model, ["", "Tom ran."]);
        Assert.Equal(0, scores[0].Tokens);
        Assert.Equal(Model.Encode("Tom ran.").Count - 1, scores[1].Tokens);
        Assert.Equal(scores[1].TokenDistances.Max(), scores[1].Max, 5);
    }

    [Fact]
    public void Steering_changes_the_continuation_and_zero_alpha_changes_nothing()
    {
        int region = D.Assign(Model, "Tom saw a big dog").Tokens[^1].Region;
        var none = D.Steer(Model, "Once upon a time", region, alpha: 0, target: " there was", maxNewTokens: 12);
        Assert.Equal(none.Before, none.After);
        Assert.Equal(0, none.TargetLogProbChange!.Value, 4);
        Assert.Equal(0, none.NextTokenKl, 4);
        var steered = D.Steer(Model, "Once upon a time", region, alpha: 3 * D.Centre.norm().item<float>(), target: " there was", maxNewTokens: 12);
        Assert.NotEqual(steered.Before, steered.After);
        Assert.True(steered.NextTokenKl > 0.01, $"KL {steered.NextTokenKl}");
        Assert.NotEqual(0, steered.TargetLogProbChange!.Value);
        // The hook is gone afterwards: generation is back to normal.
        var again = D.Steer(Model, "Once upon a time", region, alpha: 0, maxNewTokens: 12);
        Assert.Equal(steered.Before, again.After);
    }

    [Fact]
    public void Ablation_reports_its_effect()
    {
        var regions = D.Assign(Model, "Lily went to the park with her mom.").Tokens.Select(t => t.Region).Distinct().Take(5).ToArray();
        var report = D.Ablate(Model, "Lily went to the", regions, target: " park", maxNewTokens: 8);
        Assert.Equal("ablate", report.Kind);
        Assert.Equal(regions, report.Regions);
        Assert.NotNull(report.TargetLogProbChange);
        Assert.True(report.NextTokenKl >= 0);
        using var basis = D.AblationBasis(regions);
        Assert.Equal(regions.Length, basis.shape[1]);
    }

    [Fact]
    public void Mismatched_model_hook_region_and_empty_corpus_are_clear_errors()
    {
        // Not disposed: it wraps the fixture's network, which disposing would free for every later test of the collection.
        var other = new LanguageModel("other-model", Model.Network, Model.Tokenizer);
        Assert.Contains("built on model 'stories260K'", Assert.Throws<ArgumentException>(() => D.Assign(other, "Tom")).Message);
        Assert.Contains("region 99999", Assert.Throws<ArgumentException>(() => D.Steer(Model, "Tom", 99999)).Message);
        Assert.Contains("unknown hook point", Assert.Throws<ArgumentException>(() =>
            ExemplarPartitioner.Build(Model, new PartitionOptions { Hook = "blocks.9.nope" }, ["Tom ran."])).Message);
        Assert.Contains("corpus is empty", Assert.Throws<ArgumentException>(() =>
            ExemplarPartitioner.Build(Model, new PartitionOptions(), ["", "   "])).Message);
        Assert.Contains("one vector per token", Assert.Throws<ArgumentException>(() =>
            ExemplarPartitioner.Build(Model, new PartitionOptions { Hook = "blocks.0.attn.hook_pattern" }, ["Tom ran to the park."])).Message);
    }

    [Fact]
    public void Cancellation_stops_the_build()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ExemplarPartitioner.Build(Model, new PartitionOptions(), StoryCorpus.Generate(50), ct: cts.Token));
    }

    [Fact]
    public void Metrics_of_the_stories_dictionary_are_consistent()
    {
        var m = PartitionMetrics.Compute(D);
        Assert.Equal(D.RegionCount, m.Regions);
        Assert.Equal(1 - D.RegionCount / (double)m.Tokens, m.Coverage, 9);
        Assert.InRange(m.Gini, 0, 1);
        Assert.InRange(m.EffectiveRegions, 1, D.RegionCount);
        Assert.InRange(m.MeanIntraDistance, 0, D.Theta);
        // Every exemplar was founded farther than theta from all earlier ones.
        Assert.True(m.MinSeparationRatio > 0.999, $"min separation {m.MinSeparationRatio}");
    }

    [Fact]
    public void Last_only_positions_give_one_token_per_text()
    {
        using var d = ExemplarPartitioner.Build(Model, fixture.Options with { Positions = PartitionPositions.LastOnly, Percentile = 20 },
            StoryCorpus.Generate(40, seed: 3));
        Assert.Equal(40, d.Info.Build.Tokens);
        Assert.Equal(1, d.Score(Model, ["Tom ran to the park."])[0].Tokens);
    }
}
