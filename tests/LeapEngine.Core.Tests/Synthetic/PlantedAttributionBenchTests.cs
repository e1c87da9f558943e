using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>
/// The planted-word attribution benchmark on tiny models (a few training steps: the logic, not the accuracy): its ranks
/// against ranks recomputed here from the attribution of the same prompts, the planted words it names per task, and its refusals.
/// </summary>
public class PlantedAttributionBenchTests
{
    private static readonly SyntheticVocabulary Vocab = SyntheticVocabulary.Instance;
    private static readonly AttributionConfig Itp = AttributionCurves.Configs.Single(c => c.Label == "itp");
    private static readonly AttributionConfig Pizza = AttributionCurves.Configs.Single(c => c.Label == "pizza");

    [Fact]
    public void Conjunction_ranks_are_those_of_the_attribution_of_the_same_prompts()
    {
        var task = new ConjunctionTask(1);
        using var model = TinyModels.Train(task, 3);
        const int length = 6, prompts = 3, seed = 5;
        var rows = PlantedAttributionBench.Run(model, task, 42, [length], prompts, [Itp, Pizza], ["remove"], seed);

        Assert.Equal(["itp", "pizza"], rows.Select(r => r.Config));
        Assert.All(rows, r => Assert.Equal((42, "conjunction", 2, prompts, length), (r.ModelSeed, r.Task, r.Planted, r.Prompts, r.Length)));
        Assert.Equal(["first word", "second word"], rows[0].Words.Select(w => w.Word));
        Assert.All(rows[0].Words, w => Assert.True(w.Planted));
        Assert.Equal(length + 1.0, rows[0].MeanEvaluations);   // ItP: one pass per word and the unperturbed prompt

        // The same prompts, attributed here; each planted word found by its text among the units (not by token positions).
        var rng = BenchRandom.For(seed, length);
        var examples = Enumerable.Range(0, prompts).Select(_ => PlantedAttributionBench.Sample(task, rng, length)).ToList();
        var best = new List<double>();
        var first = new List<double>();
        foreach (var e in examples)
        {
            Assert.Equal(2, e.Planted.Length);
            var result = AttributionEngine.Run(model, new AttributionRequest { Text = Vocab.Text(e.Tokens), Method = "itp", Unit = "word", MaxNewTokens = 1 });
            var ranks = e.Planted.Select(p => HandRank(result, Vocab.Word(e.Tokens[p])!)).ToList();
            best.Add(ranks.Min());
            first.Add(HandRank(result, e.Planted.Select(p => Vocab.Word(e.Tokens[p])!).Single(w => w[0] == 'x')));
        }
        Assert.Equal(best.Average(), rows[0].MeanBestRank, 9);
        Assert.Equal(first.Average(), rows[0].Words[0].MeanRank, 9);
        Assert.InRange(rows[0].RecallAtK, 0, 1);
        Assert.True(rows[0].AllInTopK <= rows[0].RecallAtK + 1e-12, "all k on top cannot be likelier than the mean recall");
    }

    [Fact]
    public void System_rule_prompts_go_as_a_system_segment_and_the_controls_system_word_is_not_planted()
    {
        foreach (bool control in new[] { false, true })
        {
            var task = new SystemRuleTask(1, control);
            using var model = TinyModels.Train(task, 2);
            const int length = 5;
            var rows = PlantedAttributionBench.Run(model, task, 1, [length], 2, [Itp], ["remove"], 9);
            var row = Assert.Single(rows);
            Assert.Equal(control ? 1 : 2, row.Planted);
            Assert.Equal([(control ? "system word (irrelevant)" : "system word", !control), ("item", true)],
                row.Words.Select(w => (w.Word, w.Planted)));
            // ItP: one pass per unit (the system word and each user word) and the unperturbed prompt.
            Assert.Equal(1 + length + 1.0, row.MeanEvaluations);

            var rng = BenchRandom.For(9, length);
            var e = PlantedAttributionBench.Sample(task, rng, length);
            var (system, user) = task.Segments(e);
            var result = AttributionEngine.Run(model, new AttributionRequest { System = system, Text = user, Template = "plain", Method = "itp", Unit = "word", MaxNewTokens = 1 });
            Assert.Equal("system", result.Units[0].Segment);
            Assert.Equal(Vocab.Word(e.Tokens[0]), result.Units[0].Text.Trim());
        }
    }

    [Fact]
    public void Other_tasks_and_empty_runs_are_refused()
    {
        var task = new KeyRetrievalTask(1);
        Assert.False(PlantedAttributionBench.Supports(task));
        using var model = TinyModels.Train(new ConjunctionTask(1), 1);
        Assert.Contains("not key-retrieval",
            Assert.Throws<ArgumentException>(() => PlantedAttributionBench.Run(model, task, 1, [6], 1, [Itp], ["remove"], 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PlantedAttributionBench.Run(model, new ConjunctionTask(1), 1, [6], 0, [Itp], ["remove"], 1));
    }

    /// <summary>The mid-rank of the unit whose text is <paramref name="word"/> (a planted word occurs once): 1 + units above + half the others tied with it.</summary>
    private static double HandRank(AttributionResult result, string word)
    {
        var own = result.Units.Single(u => u.Text.Trim() == word);
        return 1 + result.Units.Count(u => u.Score > own.Score) + (result.Units.Count(u => u.Score == own.Score) - 1) / 2.0;
    }
}
