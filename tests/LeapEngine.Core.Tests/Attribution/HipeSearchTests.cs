using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>HiPe's reported search (stage by stage), the Relative threshold, the per-stage beam and the threshold parser.</summary>
public class HipeSearchTests
{
    private const string Prompt = "Once upon a time, there was a little girl named Lily. She loved to play with her red ball.";

    private static AttributionResult Run(LanguageModel model, string method, HipeOptions? hipe = null) =>
        AttributionEngine.Run(model, new AttributionRequest { Text = Prompt, Method = method, Unit = "word", MaxNewTokens = 5, Hipe = hipe ?? new HipeOptions() });

    [Fact]
    public void The_reported_search_accounts_for_every_evaluation_and_every_split()
    {
        var model = AttributionModels.Stories();
        var hipe = Run(model, "hipe");
        var chunks = hipe.HipeChunks!;
        // Each distinct chunk is scored once; the unperturbed prompt is the one more evaluation.
        Assert.Equal(hipe.Evaluations, 1 + chunks.Select(c => (c.Start, c.End)).Distinct().Count());
        Assert.Equal(hipe.HipeStages, chunks.Max(c => c.Stage));
        // A split chunk's halves are the next stage's chunks, and nothing else is.
        foreach (var stage in chunks.GroupBy(c => c.Stage).Where(g => g.Key < hipe.HipeStages))
        {
            var halves = stage.Where(c => c.Split).SelectMany(c => new[] { (c.Start, c.Start + (c.End - c.Start) / 2), (c.Start + (c.End - c.Start) / 2, c.End) }).ToHashSet();
            Assert.Equal(halves.OrderBy(h => h), chunks.Where(c => c.Stage == stage.Key + 1).Select(c => (c.Start, c.End)).OrderBy(h => h));
        }
        Assert.Null(Run(model, "itp").HipeChunks);
    }

    [Fact]
    public void Relative_threshold_always_reaches_single_units_where_a_static_one_stops()
    {
        var model = AttributionModels.Stories();
        var itp = Run(model, "itp");
        // A static threshold above every chunk's score splits nothing: all units tie inside the first-stage chunks.
        var stalled = Run(model, "hipe", new HipeOptions { Threshold = HipeThreshold.Static, StaticThreshold = 1e6 });
        Assert.Equal(1, stalled.HipeStages);
        // Relative 1: only each stage's strongest chunk is split, down to single units, each scored exactly as ItP scores it.
        var greedy = Run(model, "hipe", new HipeOptions { Threshold = HipeThreshold.Relative, RelativeThreshold = 1, Aggregation = HipeAggregation.Finest, MaxSplitsPerStage = null });
        var singles = greedy.HipeChunks!.Where(c => c.End - c.Start == 1).ToList();
        Assert.NotEmpty(singles);
        foreach (var s in singles) Assert.Equal(itp.Units[s.Start].Score, greedy.Units[s.Start].Score, 1e-4);
        Assert.All(greedy.HipeChunks!.GroupBy(c => c.Stage), g => Assert.True(g.Count(c => c.Split) <= 1, $"stage {g.Key} split more than its strongest chunk"));
        Assert.True(greedy.Evaluations < itp.Evaluations, $"greedy HiPe {greedy.Evaluations} vs ItP {itp.Evaluations} evaluations");
    }

    [Fact]
    public void Max_splits_per_stage_keeps_only_the_strongest_chunks_of_each_stage()
    {
        var model = AttributionModels.Stories();
        // Static 0 with |score| admits every chunk; the beam then decides alone.
        var all = new HipeOptions { Threshold = HipeThreshold.Static, StaticThreshold = 0, Saliency = HipeSaliency.Absolute, MinSaliency = 0, MaxSplitsPerStage = null };
        var wide = Run(model, "hipe", all);
        var beam = Run(model, "hipe", all with { MaxSplitsPerStage = 2 });
        foreach (var stage in beam.HipeChunks!.GroupBy(c => c.Stage))
        {
            var splittable = stage.Where(c => c.End - c.Start > 1).OrderByDescending(c => Math.Abs(c.Score)).ToList();
            Assert.Equal(Math.Min(2, splittable.Count), stage.Count(c => c.Split));
            // No unsplit chunk is stronger than a split one.
            if (stage.Any(c => c.Split) && splittable.Any(c => !c.Split))
                Assert.True(stage.Where(c => c.Split).Min(c => Math.Abs(c.Score)) >= splittable.Where(c => !c.Split).Max(c => Math.Abs(c.Score)));
        }
        Assert.True(beam.Evaluations < wide.Evaluations, $"beam {beam.Evaluations} vs unlimited {wide.Evaluations} evaluations");
        Assert.Throws<ArgumentException>(() => new HipeOptions { MaxSplitsPerStage = 0 }.Validate());
    }

    [Theory]
    [InlineData("midrange", HipeThreshold.MidRange, 1.0, 0.5)]
    [InlineData("static:2", HipeThreshold.Static, 2.0, 0.5)]
    [InlineData("Either:0.25", HipeThreshold.Either, 0.25, 0.5)]
    [InlineData("relative:0.3", HipeThreshold.Relative, 1.0, 0.3)]
    [InlineData("relative", HipeThreshold.Relative, 1.0, 0.5)]
    public void Thresholds_parse_from_text(string spec, HipeThreshold mode, double fixedNats, double fraction)
    {
        var o = new HipeOptions { StaticThreshold = 1.0, RelativeThreshold = 0.5 }.WithThreshold(spec);
        Assert.Equal(mode, o.Threshold);
        Assert.Equal(fixedNats, o.StaticThreshold);
        Assert.Equal(fraction, o.RelativeThreshold);
    }

    [Theory]
    [InlineData("median")]
    [InlineData("static:lots")]
    [InlineData("relative:0")]
    [InlineData("relative:1.5")]
    [InlineData("static:-1")]
    [InlineData("midrange:3")]
    public void Bad_thresholds_are_clear_errors(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => new HipeOptions().WithThreshold(spec));
        Assert.Contains("threshold", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
