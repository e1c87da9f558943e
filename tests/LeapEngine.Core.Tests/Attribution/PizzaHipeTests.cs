using LeapEngine.Core.Attribution;
using LeapEngine.Core.Attribution.Methods;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>
/// The PIZZA-faithful HiPe mode against searches worked out by hand (a scorer whose drop for a unit set is the sum of
/// fixed per-unit weights, so every chunk score, cumulative saliency, threshold and split below is arithmetic on the
/// weights), and its wiring as the hipe plug-in's second mode.
/// </summary>
public class PizzaHipeTests
{
    /// <summary>Drop of a unit set = the sum of its units' weights (one output position); records every set asked for.</summary>
    private sealed class AdditiveScorer(double[] weights) : IAttributionScorer
    {
        public readonly List<(int Start, int End)> Asked = [];
        public int UnitCount => weights.Length;
        public IReadOnlyList<double> CompletionTokenLogProbs => [-0.5];
        public double BaseLogProb => -0.5;
        public CompletionDrop[] Score(IReadOnlyList<IReadOnlyList<int>> unitSets, string? message = null)
        {
            foreach (var s in unitSets)
            {
                Assert.Equal(Enumerable.Range(s[0], s.Count), s);   // PIZZA's chunks are contiguous
                Asked.Add((s[0], s[0] + s.Count));
            }
            return unitSets.Select(s => new CompletionDrop([s.Sum(u => weights[u])], [s.Sum(u => weights[u]) / 10])).ToArray();
        }
    }

    private static readonly HipeOptions Pizza4 = new() { Mode = HipeMode.Pizza, InitialChunkSize = 4 };

    private static (double[] Scores, int Stages, IReadOnlyList<HipeChunkScore> Chunks, AdditiveScorer Scorer) Run(double[] weights, HipeOptions options)
    {
        var scorer = new AdditiveScorer(weights);
        var outcome = new HierarchicalMethod().Run(scorer, new MethodSettings(options));
        return (outcome.Units.Select(u => u.Total).ToArray(), outcome.Stages!.Value, outcome.Chunks!, scorer);
    }

    [Fact]
    public void The_search_matches_the_hand_worked_example()
    {
        // 8 units, first chunks of 4, stride 4, starting at -2: [0,2) [2,6) [6,8).
        // Stage 1: scores 0, 4+1=5, 2 -> per unit 0, 1.25, 1 -> cumulative [0 0 1.25 1.25 1.25 1.25 1 1].
        //   max 1.25 > 0.01; mid-range (1.25+0)/2 = 0.625: [2,6) (mean 1.25) and [6,8) (mean 1) split, [0,2) (0) does not.
        // Stage 2: [2,4) 4 -> 2/unit, [4,6) 1 -> 0.5/unit, [6,7) 2 -> 2, [7,8) 0 -> cumulative [0 0 3.25 3.25 1.75 1.75 3 1].
        //   mid-range over ALL units (3.25+0)/2 = 1.625: [2,4) (3.25) and [4,6) (1.75) split; [6,7), [7,8) are single units.
        //   (A mid-range over this stage's units only, (3.25+1)/2 = 2.125, would not split [4,6).)
        // Stage 3: [2,3) 0, [3,4) 4, [4,5) 0, [5,6) 1 -> cumulative [0 0 3.25 7.25 1.75 2.75 3 1]; all single units: done.
        double[] weights = [0, 0, 0, 4, 0, 1, 2, 0];
        var (scores, stages, chunks, scorer) = Run(weights, Pizza4);

        Assert.Equal(3, stages);
        Assert.Equal(
            new (int, int)[] { (0, 2), (2, 6), (6, 8), (2, 4), (4, 6), (6, 7), (7, 8), (2, 3), (3, 4), (4, 5), (5, 6) },
            scorer.Asked);
        Assert.Equal(new double[] { 0, 0, 3.25, 7.25, 1.75, 2.75, 3, 1 }, scores);
        Assert.Equal(
            new (int, int, int, bool)[] { (1, 0, 2, false), (1, 2, 6, true), (1, 6, 8, true), (2, 2, 4, true), (2, 4, 6, true), (2, 6, 7, false), (2, 7, 8, false),
             (3, 2, 3, false), (3, 3, 4, false), (3, 4, 5, false), (3, 5, 6, false) },
            chunks.Select(c => (c.Stage, c.Start, c.End, c.Split)));
        Assert.Equal(new double[] { 0, 5, 2, 4, 1, 2, 0, 0, 4, 0, 1 }, chunks.Select(c => c.Score));
    }

    [Fact]
    public void Output_is_unsigned_the_cumulative_absolute_score()
    {
        // The same weights negated: every chunk score flips sign, |score| does not, so the search and the output are the same.
        double[] weights = [0, 0, 0, 4, 0, 1, 2, 0];
        var positive = Run(weights, Pizza4);
        var negative = Run(weights.Select(w => -w).ToArray(), Pizza4);
        Assert.Equal(positive.Scores, negative.Scores);
        Assert.Equal(positive.Scorer.Asked, negative.Scorer.Asked);
        Assert.Equal(positive.Chunks.Select(c => -c.Score), negative.Chunks.Select(c => c.Score));
        // The probability drops (weights / 10 here) are accumulated the same way, position by position.
        var outcome = new HierarchicalMethod().Run(new AdditiveScorer(weights.Select(w => -w).ToArray()), new MethodSettings(Pizza4));
        Assert.Equal(new double[] { 0, 0, 0.325, 0.725, 0.175, 0.275, 0.3, 0.1 }, outcome.Units.Select(u => Math.Round(u.ProbabilityTotal, 12)));
    }

    [Fact]
    public void Stops_when_no_unit_reaches_one_hundredth()
    {
        // Every unit 1/128 (0.0078, exact in binary): stage 1 gives each unit 1/128 (chunk score / size), not above 0.01,
        // so nothing is split.
        var (scores, stages, chunks, scorer) = Run(Enumerable.Repeat(1.0 / 128, 8).ToArray(), Pizza4);
        Assert.Equal(1, stages);
        Assert.Equal(3, scorer.Asked.Count);
        Assert.All(scores, s => Assert.Equal(1.0 / 128, s));
        Assert.DoesNotContain(chunks, c => c.Split);
        // Above the stop: 1/64 (0.0156) per unit; all units tie at the mid-range, so every chunk splits down to single units.
        var (_, deeper, _, asked) = Run(Enumerable.Repeat(1.0 / 64, 8).ToArray(), Pizza4);
        Assert.Equal(3, deeper);
        Assert.Equal(3 + 6 + 4, asked.Asked.Count);   // [0,2) [2,6) [6,8); then 2+2+2 halves; then [2,4) and [4,6) halve again
    }

    [Theory]
    [InlineData(8, 4, new[] { 0, 2, 2, 6, 6, 8 })]
    [InlineData(7, 4, new[] { 0, 2, 2, 6, 6, 7 })]
    [InlineData(7, 3, new[] { 0, 2, 2, 5, 5, 7 })]   // padding 3/2 = 1: starts -1, 2, 5
    [InlineData(5, 1, new[] { 0, 1, 1, 2, 2, 3, 3, 4, 4, 5 })]
    [InlineData(6, 6, new[] { 0, 3, 3, 6 })]         // padding 3: starts -3, 3
    [InlineData(3, null, new[] { 0, 1, 1, 3 })]      // default size max(2, 3/2) = 2, padding 1: starts -1, 1
    public void FirstStageWindowsHaveHalfSizeEdgesAndNoOverlap(int units, int? size, int[] bounds)
    {
        // Weights of 0 stop the search after the first stage, so the chunks asked are exactly the first-stage windows.
        var (_, _, _, scorer) = Run(new double[units], new HipeOptions { Mode = HipeMode.Pizza, InitialChunkSize = size });
        Assert.Equal(bounds.Chunk(2).Select(b => (b[0], b[1])), scorer.Asked);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(513)]
    public void The_plugins_work_estimate_bounds_the_pizza_search(int units)
    {
        var method = AttributionMethods.Get("hipe");
        var rng = new Random(units);
        foreach (int? size in new int?[] { null, 1, 3, 16, units })
        {
            // Every unit salient (the worst case: every chunk splits until single units), and random weights.
            foreach (var weights in new[] { Enumerable.Repeat(1.0, units).ToArray(), Enumerable.Range(0, units).Select(_ => rng.NextDouble() - 0.3).ToArray() })
            {
                var settings = new MethodSettings(new HipeOptions { Mode = HipeMode.Pizza, InitialChunkSize = size });
                var scorer = new AdditiveScorer(weights);
                var outcome = method.Run(scorer, settings);
                Assert.Equal(units, outcome.Units.Length);
                Assert.Equal(HipeMode.Pizza, outcome.Hipe!.Mode);
                Assert.True(scorer.Asked.Count <= method.MaxEvaluations(units, settings),
                    $"{units} units, size {size}: {scorer.Asked.Count} evaluations, estimate {method.MaxEvaluations(units, settings)}");
                Assert.All(outcome.Units, u => Assert.True(u.Total >= 0));
            }
        }
        Assert.Equal(2L * units, method.MaxEvaluations(units, new MethodSettings(new HipeOptions { Mode = HipeMode.Pizza })));
    }

    [Fact]
    public void The_engine_runs_the_pizza_mode_on_a_model_and_reports_its_search()
    {
        var model = AttributionModels.Stories();
        var result = AttributionEngine.Run(model, new AttributionRequest
        {
            Text = "Once upon a time, there was a little girl named Lily. She loved to play with her red ball.",
            Method = "hipe", Unit = "word", MaxNewTokens = 3, Hipe = new HipeOptions { Mode = HipeMode.Pizza, InitialChunkSize = 4 },
        });
        Assert.Equal(HipeMode.Pizza, result.Hipe!.Mode);
        Assert.Equal(result.Evaluations, 1 + result.HipeChunks!.Count);   // the unperturbed prompt, then each chunk once
        Assert.All(result.Units, u => Assert.True(u.Score >= 0, $"unit {u.Index}: {u.Score}"));
        // Every unit was covered by a first-stage chunk, so every score is at least its first-stage share |T| / |chunk|
        // (a share can round to 0 only where the chunk's score is 0).
        foreach (var c in result.HipeChunks!.Where(c => c.Stage == 1))
            for (int u = c.Start; u < c.End; u++)
                Assert.True(result.Units[u].Score >= Math.Abs(c.Score) / (c.End - c.Start) - 1e-9);
    }

    [Fact]
    public void An_undefined_mode_is_rejected() =>
        Assert.Contains("mode", Assert.Throws<ArgumentException>(() => new HipeOptions { Mode = (HipeMode)7 }.Validate()).Message);
}
