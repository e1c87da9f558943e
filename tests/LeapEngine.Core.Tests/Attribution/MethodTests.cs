using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>ItP, HiPe and faithfulness against direct evaluation of the same perturbations.</summary>
public class MethodTests
{
    private const string Prompt = "Once upon a time, there was a little girl named Lily. She loved to play with her red ball.";

    private static AttributionResult Run(LanguageModel model, string method, HipeOptions? hipe = null, bool faithfulness = false) =>
        AttributionEngine.Run(model, new AttributionRequest
        {
            Text = Prompt, Method = method, Unit = "word", MaxNewTokens = 5, Hipe = hipe ?? new HipeOptions(), Faithfulness = faithfulness,
        });

    [Fact]
    public void Itp_scores_are_the_drop_when_each_unit_is_removed()
    {
        var model = AttributionModels.Stories();
        var result = Run(model, "itp");
        Assert.Equal(1 + result.Units.Count, result.Evaluations);
        var prompt = model.Encode(Prompt).Ids.ToArray();
        foreach (var unit in result.Units.Where(u => u.Index % 4 == 0))
        {
            var without = prompt.Where((_, i) => !unit.TokenPositions.Contains(i)).ToArray();
            double logProb = Scoring.ContinuationLogProbs(model.Network, without, result.CompletionIds).Sum(x => (double)x);
            Assert.Equal(result.CompletionLogProb - logProb, unit.Score, 1e-4);
            Assert.Equal(unit.Score, unit.OutputTokenScores.Sum(), 1e-9);
            Assert.Equal(result.CompletionIds.Length, unit.OutputTokenScores.Length);
        }
        Assert.Equal(Scoring.ContinuationLogProbs(model.Network, prompt, result.CompletionIds).Sum(x => (double)x), result.CompletionLogProb, 1e-4);
        Assert.Equal(model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 5 }), result.CompletionIds);
    }

    [Fact]
    public void Hipe_splitting_everything_down_to_single_units_reproduces_itp()
    {
        var model = AttributionModels.Stories();
        var itp = Run(model, "itp");
        // Static threshold 0 splits every chunk; "finest" then reads the single-unit chunks.
        // (|score| saliency: with the default Positive, chunks whose removal raises the completion would stay whole.)
        var hipe = Run(model, "hipe", new HipeOptions { Threshold = HipeThreshold.Static, StaticThreshold = 0, Aggregation = HipeAggregation.Finest, MinSaliency = 0, Saliency = HipeSaliency.Absolute, MaxSplitsPerStage = null });
        for (int u = 0; u < itp.Units.Count; u++) Assert.Equal(itp.Units[u].Score, hipe.Units[u].Score, 1e-4);
        Assert.True(hipe.Evaluations > itp.Evaluations, "a full split costs more than ItP");
        Assert.Equal("hipe", hipe.Method);
        Assert.NotNull(hipe.HipeStages);
    }

    [Fact]
    public void Hipe_costs_less_than_itp_and_finds_the_top_unit()
    {
        var model = AttributionModels.Stories();
        var itp = Run(model, "itp");
        int Top(AttributionResult r) => r.Units.OrderByDescending(u => u.Score).First().Index;
        // The default (Relative 0.25, Positive, Finest, 3 splits per stage) and the issue's rule (MidRange, |score|, Mean, no limit).
        var issue = new HipeOptions { Threshold = HipeThreshold.MidRange, Saliency = HipeSaliency.Absolute, Aggregation = HipeAggregation.Mean, MaxSplitsPerStage = null };
        foreach (var options in new[] { new HipeOptions(), issue })
        {
            var hipe = Run(model, "hipe", options);
            Assert.True(hipe.Evaluations < itp.Evaluations, $"HiPe {options.Threshold} {hipe.Evaluations} vs ItP {itp.Evaluations} evaluations");
            Assert.Equal(Top(itp), Top(hipe));
        }
        // The default reads the top unit's own score, as ItP scores it (Finest: the unit alone).
        Assert.Equal(itp.Units[Top(itp)].Score, Run(model, "hipe").Units[Top(itp)].Score, 1e-4);
        // A first chunk of one unit is ItP (no chunk can be split).
        var single = Run(model, "hipe", new HipeOptions { InitialChunkSize = 1 });
        Assert.Equal(itp.Units.Select(u => Math.Round(u.Score, 4)), single.Units.Select(u => Math.Round(u.Score, 4)));
        Assert.Equal(itp.Evaluations, single.Evaluations);
    }

    [Fact]
    public void Hipe_positive_saliency_refines_only_supporting_chunks()
    {
        var model = AttributionModels.Stories();
        var itp = Run(model, "itp");
        // Static threshold 0: Absolute splits every chunk (down to single units); Positive only those whose removal lowers the completion.
        var full = new HipeOptions { Threshold = HipeThreshold.Static, StaticThreshold = 0, Aggregation = HipeAggregation.Finest, MinSaliency = 0, Saliency = HipeSaliency.Absolute, MaxSplitsPerStage = null };
        var absolute = Run(model, "hipe", full);
        var positive = Run(model, "hipe", full with { Saliency = HipeSaliency.Positive });
        Assert.True(itp.Units.Any(u => u.Score < 0), "the prompt needs a unit whose removal raises the completion for this test to bite");
        Assert.True(positive.Evaluations < absolute.Evaluations, $"Positive {positive.Evaluations} vs Absolute {absolute.Evaluations} evaluations");
        // The top supporting unit lies inside supporting chunks all the way down, so Positive still reaches it alone.
        var top = itp.Units.OrderByDescending(u => u.Score).First();
        Assert.Equal(top.Score, positive.Units[top.Index].Score, 1e-4);
        // The default follows support (chosen on the hipe-vs-itp benchmark; the issue's rule is Absolute).
        Assert.Equal(HipeSaliency.Positive, new HipeOptions().Saliency);
    }

    [Fact]
    public void Faithfulness_curves_and_eraser_agree_with_the_scores()
    {
        var model = AttributionModels.Stories();
        var result = Run(model, "itp", faithfulness: true);
        var f = result.Faithfulness!;
        int n = result.Units.Count;
        Assert.Equal(result.CompletionLogProb, f.Deletion[0].LogProb, 1e-9);
        Assert.Equal(result.CompletionLogProb, f.Insertion[^1].LogProb, 1e-9);
        Assert.Equal(n, f.Deletion[^1].Units);
        // Everything removed, by either route, is the same prompt.
        Assert.Equal(f.Deletion[^1].LogProb, f.Insertion[0].LogProb, 1e-9);
        // Removing just the top unit: its ItP score.
        var top = result.Units.OrderByDescending(u => u.Score).First();
        Assert.Equal(top.Score, f.Eraser[0].Comprehensiveness, 1e-4);
        Assert.Equal(1, f.Eraser[0].Units);
        Assert.Equal(5, f.Eraser.Count);
        Assert.True(f.InsertionAuc > f.DeletionAuc, $"insertion AUC {f.InsertionAuc} should exceed deletion AUC {f.DeletionAuc}");
        Assert.True(result.TotalEvaluations > result.Evaluations);
    }
}
