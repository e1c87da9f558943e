using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>Task 6: reserved words never reach training, and what the glitch benchmark measures about them.</summary>
public class GlitchTaskTests
{
    private static readonly SyntheticVocabulary Vocab = SyntheticVocabulary.Instance;

    [Fact]
    public void Reserved_words_never_occur_and_every_prompt_ends_with_the_item_to_repeat()
    {
        var task = new GlitchTask(1);
        var reserved = task.Glitches.ToHashSet();
        Assert.Equal(GlitchTask.GlitchCount, reserved.Count);
        Assert.All(task.Glitches, id => Assert.Matches("^[a-z]{2}$", Vocab.Word(id)));
        Assert.Equal(Vocab.BosId - GlitchTask.GlitchCount - 1, task.Items.Count);   // every id below BOS but the reserved and the newline
        var rng = new Random(2);
        var seen = new HashSet<int>();
        for (int i = 0; i < 3000; i++)
        {
            int length = 1 + i % 40;
            var e = task.Sample(rng, length);
            Assert.DoesNotContain(e.Tokens, reserved.Contains);
            Assert.DoesNotContain(e.Targets, reserved.Contains);
            seen.UnionWith(e.Tokens);
            // The layout, read backwards: a lone item, then "x x\n" pairs; the answer is the last item.
            Assert.Equal(e.Tokens[^1], e.Answer);
            Assert.Equal(e.Answer, e.Targets[^1]);
            for (int back = 1; back < length; back++)
            {
                int at = length - 1 - back;
                if (back % 3 == 1) Assert.Equal(GlitchTask.Separator, e.Tokens[at]);
                if (back % 3 == 2 && at > 0) Assert.Equal(e.Tokens[at - 1], e.Tokens[at]);
            }
        }
        Assert.True(seen.Count > 0.9 * task.Items.Count, "the items cover the vocabulary");
        Assert.NotEqual(task.Glitches, new GlitchTask(2).Glitches);
        Assert.Equal(task.Glitches, (int[])task.Plan()["glitch_ids"]);
    }

    [Fact]
    public void Untrained_rows_shrink_only_by_weight_decay_and_sit_nearest_the_centroid()
    {
        var task = new GlitchTask(1);
        var options = TinyModels.Options(steps: 30);
        using var model = TinyModels.Train(task, options);
        var check = GlitchBench.Embeddings(model, task, options.Seed);

        // AdamW's decoupled decay multiplies a row with no gradient by (1 - lr_t * 0.01) each step; the schedule written out.
        int warmup = Math.Max(1, options.Steps / 10);
        double expected = 1;
        for (int step = 0; step < options.Steps; step++)
        {
            double lr = step < warmup ? options.LearningRate * (step + 1) / warmup
                : options.LearningRate * (0.1 + 0.45 * (1 + Math.Cos(Math.PI * (step - warmup) / (options.Steps - warmup))));
            expected *= 1 - lr * 0.01;
        }
        Assert.Equal(expected, check.PlantedMeanNormRatio, 5);
        Assert.Equal(1 - expected, check.PlantedMaxRelativeChange, 5);
        Assert.True(check.TrainedMeanRelativeChange > 20 * check.PlantedMaxRelativeChange, $"trained rows moved {check.TrainedMeanRelativeChange}");
        // Not asserted: that the planted words rank nearest the centroid. After 30 tiny steps most items were never
        // sampled either, so they are as untrained as the planted words (the trained models in docs/benchmarks.md are not).
        Assert.InRange(check.PlantedWorstCentroidRank, GlitchTask.GlitchCount, check.AllowedTokens);
    }

    [Fact]
    public void Precision_and_recall_count_the_planted_words_the_finder_reports()
    {
        var task = new GlitchTask(1);
        using var model = TinyModels.Train(task, steps: 30);
        var rows = GlitchBench.Run(model, task, tops: [4, 16], controlSample: 20, seed: 0);
        var reference = GlitchFinder.Find(model, new GlitchRequest { Top = 16, ControlSample = 20 });
        var planted = task.Glitches.ToHashSet();
        var row = rows[1];
        int found = reference.Glitches.Count(g => planted.Contains(g.Id));
        Assert.Equal((16, 32, reference.Glitches.Count, found), (row.Top, row.Tested, row.Flagged, row.PlantedFlagged));
        Assert.Equal((double)found / GlitchTask.GlitchCount, row.Recall, 12);
        Assert.Equal(reference.ControlRepeatRate, row.ControlRepeatRate);
        Assert.Equal(reference.Nearest.Count(g => planted.Contains(g.Id)), row.PlantedAmongNearest);
        Assert.Equal(found == 0 ? 0 : (double)found / reference.Glitches.Count, row.Precision, 12);
        Assert.Equal(4 * 2, rows[0].Tested);
        Assert.Equal(GlitchTask.GlitchCount / (double)reference.AllowedTokens, row.BaseRate, 12);
    }
}
