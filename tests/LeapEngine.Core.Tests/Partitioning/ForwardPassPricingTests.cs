using LeapEngine.Core.Hooks;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Partitioning;

/// <summary>What a job reserves for streaming activations is what the stream runs, padding included, pass for pass.</summary>
/// <remarks>Owns its stories260K: it counts the stream's passes with a hook on the network.</remarks>
public class ForwardPassPricingTests(OwnStoriesFixture fixture) : IClassFixture<OwnStoriesFixture>
{
    private static readonly List<string> Corpus =
        [.. StoryCorpus.Generate(30, seed: 5).Select((t, i) => i % 3 == 0 ? t : string.Join(' ', t.Split(' ').Take(2 + i % 6))), "", "  "];

    [Theory]
    [InlineData(PartitionPositions.AllButBos, 4, 24)]
    [InlineData(PartitionPositions.LastOnly, 7, 64)]
    public void The_priced_passes_are_the_positions_the_stream_runs(PartitionPositions positions, int batchSize, int context)
    {
        var hook = $"blocks.{fixture.Model.Config.NLayers / 2}.hook_resid_post";
        long ran = Embedded(fixture.Model, () =>
        {
            foreach (var batch in ActivationStream.Stream(fixture.Model, hook, Corpus, positions, context, batchSize)) batch.Dispose();
        });
        Assert.Equal(ran, ActivationStream.ForwardPasses(fixture.Model, Corpus, positions, context, batchSize).Sum(p => p.Positions));
    }

    [Theory]
    [InlineData(200_000, 1)]
    [InlineData(50, 1)]
    [InlineData(50, 3)]
    public void A_build_never_runs_more_than_its_priced_bound(long maxTokens, int calibrationBatches)
    {
        var options = new PartitionOptions
        {
            ContextLength = 32, BatchSize = 4, MaxTokens = maxTokens, CalibrationBatches = calibrationBatches, SaturationBatches = 0, Percentile = 20,
        };
        long ran = Embedded(fixture.Model, () => ExemplarPartitioner.Build(fixture.Model, options, Corpus).Dispose());
        long bound = ExemplarPartitioner.MaxForwardTokens(fixture.Model, options, Corpus);
        Assert.InRange(ran, 1, bound);
        if (maxTokens > 1000) Assert.Equal(bound, ran);   // a build that reads the whole corpus is priced exactly
    }

    private static long Embedded(LanguageModel model, Action run)
    {
        long positions = 0;
        // Atomic: a pass may run on any of the engine's worker threads.
        using (model.Network.Attach(("hook_embed", (x, _) => { Interlocked.Add(ref positions, x.shape[0] * x.shape[1]); return null; }))) run();
        return positions;
    }
}
