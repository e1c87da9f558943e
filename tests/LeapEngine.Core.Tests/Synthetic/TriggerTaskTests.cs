using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>Task 5: the planted triggers, checked against the rule written out here (a trigger's words contiguous and in order).</summary>
public class TriggerTaskTests
{
    private static readonly SyntheticVocabulary Vocab = SyntheticVocabulary.Instance;

    /// <summary>The answer by the task's definition, computed independently of the task's own scan.</summary>
    private static int Expected(TriggerTask task, IReadOnlyList<int> tokens)
    {
        int answer = task.NoneId;
        for (int end = TriggerTask.TriggerLength; end <= tokens.Count; end++)
            for (int t = 0; t < TriggerTask.TriggerCount; t++)
                if (tokens.Skip(end - TriggerTask.TriggerLength).Take(TriggerTask.TriggerLength).SequenceEqual(task.Triggers[t]))
                    answer = task.TargetFor(t);
        return answer;
    }

    [Fact]
    public void Every_prompt_answers_its_last_complete_triggers_target_and_nothing_else()
    {
        var task = new TriggerTask(1);
        var rng = new Random(5);
        int withTrigger = 0, nearMisses = 0;
        for (int i = 0; i < 400; i++)
        {
            var e = task.Sample(rng, 6 + i % 27);
            Assert.Equal(Expected(task, e.Tokens), e.Answer);
            Assert.Equal(e.Tokens.Length + 1, e.Targets.Length);
            for (int j = 0; j <= e.Tokens.Length; j++) Assert.Equal(Expected(task, e.Tokens[..j]), e.Targets[j]);
            if (e.Answer != task.NoneId)
            {
                withTrigger++;
                Assert.Equal(TriggerTask.TriggerLength, e.Planted.Length);
                Assert.Equal(task.Triggers[task.Targets.ToList().IndexOf(e.Answer)], e.Planted.Select(p => e.Tokens[p]));
            }
            else
            {
                Assert.Empty(e.Planted);
                if (task.Triggers.Any(t => e.Tokens.Count(t.Contains) >= 2)) nearMisses++;
            }
        }
        // The mix the training sees: triggers and near misses (two or more of a trigger's words, not as planted) both common.
        Assert.InRange(withTrigger, 120, 200);
        Assert.True(nearMisses > 80, $"only {nearMisses} near misses");
    }

    [Fact]
    public void Triggers_are_seeded_distinct_distractor_words_with_their_own_targets()
    {
        var a = new TriggerTask(1);
        var b = new TriggerTask(2);
        var words = a.Triggers.SelectMany(t => t).ToList();
        Assert.Equal(TriggerTask.TriggerCount * TriggerTask.TriggerLength, words.Distinct().Count());
        Assert.All(words, w => Assert.Contains(Vocab.Word(w)![0], "bdfghlmnprs"));
        Assert.Equal(["za", "zb", "zc", "zd"], a.Targets.Select(t => Vocab.Word(t)));
        Assert.NotEqual(a.Triggers.SelectMany(t => t), b.Triggers.SelectMany(t => t));
        var plan = a.Plan();
        Assert.Equal(a.Triggers.Select(t => t.Select(w => Vocab.Word(w)).ToArray()), (string[][])plan["triggers"]);
    }

    [Fact]
    public void Interventions_expect_what_the_rule_gives_and_flip_the_answer()
    {
        var task = new TriggerTask(3);
        var rng = new Random(11);
        var seen = new Dictionary<string, int>();
        for (int i = 0; i < 200; i++)
        {
            var e = task.Sample(rng, 12, i % 2 == 0 ? i % TriggerTask.TriggerCount : null);
            foreach (var v in task.Interventions(e, rng))
            {
                seen[v.Name] = seen.GetValueOrDefault(v.Name) + 1;
                Assert.Equal(Expected(task, v.Tokens), v.ExpectedAnswer);
                Assert.NotEqual(e.Answer, v.ExpectedAnswer);   // each check is one the mechanism decides
                if (v.Name == "remove one trigger word") Assert.Equal(e.Tokens.Length - 1, v.Tokens.Length);
                if (v.Name == "corrupt one trigger word") Assert.Equal(1, e.Tokens.Zip(v.Tokens).Count(p => p.First != p.Second));
                if (v.Name == "insert a trigger") Assert.Equal(e.Tokens.Length + TriggerTask.TriggerLength, v.Tokens.Length);
            }
        }
        Assert.Equal(["corrupt one trigger word", "insert a trigger", "remove one trigger word"], seen.Keys.Order());
        Assert.All(seen.Values, n => Assert.True(n >= 90));
    }

    [Fact]
    public void The_optimisation_bench_runs_every_target_and_method_within_the_budget_and_says_what_to_fix()
    {
        var task = new TriggerTask(1);
        using var model = TinyModels.Train(task, steps: 3);
        var runs = OptimisationBench.Run(model, task, OptimisationBenchMethod.Standard, seeds: [0], maxWork: 4_000, length: 3);
        Assert.Equal(TriggerTask.TriggerCount * OptimisationBenchMethod.Standard.Count, runs.Count);
        Assert.Equal(task.Targets.Select(t => " " + Vocab.Word(t)), runs.Select(r => r.Target).Distinct());
        foreach (var r in runs)
        {
            Assert.InRange(r.Work, 1, 4_000);
            Assert.Equal(r.Succeeded, r.Prompt is not null);
            Assert.Equal(r.Succeeded, r.ContainsTrigger is not null);
            if (r.Succeeded) Assert.InRange(r.WorkToFirstSuccess!.Value, 1, r.Work);
        }
        var error = Assert.Throws<ArgumentException>(() => OptimisationBench.Run(model, task, OptimisationBenchMethod.Standard, [0], 4_000, length: 2));
        Assert.Contains("trigger", error.Message);
    }

    [Fact]
    public void Totals_count_recovered_and_equivalent_prompts_and_the_median_work()
    {
        OptimisationBenchRun Run(string method, int trigger, long? work, bool? contains) =>
            new(method, trigger, " za", 0, work is not null, work, work is null ? null : 1, 10_000, "found", work is null ? null : " ba", contains, contains is null ? null : true, 1);
        var rows = OptimisationBench.Summarise(
        [
            Run("gcg", 0, 100, true), Run("gcg", 0, 300, false), Run("gcg", 1, null, null), Run("gcg", 1, 200, true),
            Run("descent", 0, null, null), Run("descent", 1, null, null),
        ]);
        var gcg = rows.Single(r => r.Method == "gcg");
        Assert.Equal((4, 3, 2, 1, 3, 2, 2, 200.0), (gcg.Runs, gcg.Succeeded, gcg.RecoveredTrigger, gcg.EquivalentPrompts, gcg.ModelConfirmed, gcg.TargetsSolved, gcg.Targets, gcg.MedianWorkToFirstSuccess!.Value));
        var descent = rows.Single(r => r.Method == "descent");
        Assert.Equal((0, 0, (double?)null), (descent.Succeeded, descent.TargetsSolved, descent.MedianWorkToFirstSuccess));
    }
}
