using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>Task 4's construction, checked against its plan (synth.json's view of it) rather than its own helpers.</summary>
public class LatentCategoryTaskTests
{
    private static readonly SyntheticVocabulary Vocab = SyntheticVocabulary.Instance;

    /// <summary>The planted categories and answers as a reader of synth.json sees them.</summary>
    private static (int[][] Categories, int[] Answers) FromPlan(LatentCategoryTask task)
    {
        var plan = task.Plan();
        var categories = ((string[][])plan["categories"]).Select(c => c.Select(Vocab.Id).ToArray()).ToArray();
        var answers = ((string[])plan["answers_by_category"]).Select(Vocab.Id).ToArray();
        return (categories, answers);
    }

    [Fact]
    public void Categories_are_disjoint_seeded_and_map_to_distinct_answers()
    {
        var (categories, answers) = FromPlan(new LatentCategoryTask(1));
        Assert.Equal(LatentCategoryTask.CategoryCount, categories.Length);
        Assert.All(categories, c => Assert.Equal(LatentCategoryTask.PerCategory, c.Distinct().Count()));
        var all = categories.SelectMany(c => c).ToArray();
        Assert.Equal(36, all.Distinct().Count());
        Assert.All(all, w => Assert.Matches("^[eg][a-z]$", Vocab.Word(w)));
        Assert.Equal(LatentCategoryTask.CategoryCount, answers.Distinct().Count());
        Assert.DoesNotContain(Vocab.Id("vz"), answers);

        var (other, _) = FromPlan(new LatentCategoryTask(2));
        Assert.NotEqual(categories.Select(c => string.Join(",", c)), other.Select(c => string.Join(",", c)));
        var (again, _) = FromPlan(new LatentCategoryTask(1));
        Assert.Equal(categories.Select(c => string.Join(",", c)), again.Select(c => string.Join(",", c)));
    }

    [Fact]
    public void The_answer_is_the_categorys_whichever_of_its_words_appear()
    {
        var task = new LatentCategoryTask(3);
        var (categories, answers) = FromPlan(task);
        var unseen = ((string[])task.Plan()["unseen_words"]).Select(Vocab.Id).ToHashSet();
        var rng = new Random(5);
        int withEntity = 0, none = 0;
        for (int i = 0; i < 300; i++)
        {
            var e = task.Sample(rng, 1 + rng.Next(40));
            var entityAt = Enumerable.Range(0, e.Tokens.Length).Where(p => categories.Any(c => c.Contains(e.Tokens[p]))).ToArray();
            Assert.Equal(entityAt, e.Planted);
            Assert.DoesNotContain(e.Tokens, unseen.Contains);
            if (entityAt.Length == 0) { none++; Assert.Equal(Vocab.Id("vz"), e.Answer); continue; }
            withEntity++;
            Assert.InRange(entityAt.Length, 1, 3);
            var inCategory = categories.Select((c, k) => (c, k)).Where(x => entityAt.All(p => x.c.Contains(e.Tokens[p]))).Select(x => x.k).ToArray();
            Assert.Single(inCategory);   // one category per prompt
            Assert.Equal(answers[inCategory[0]], e.Answer);
            // Every position is asked the answer so far: none before the first entity, the category's from it on.
            for (int p = 0; p < e.Tokens.Length; p++)
                Assert.Equal(p >= entityAt[0] ? answers[inCategory[0]] : Vocab.Id("vz"), e.Targets[p + 1]);
        }
        Assert.InRange(none, 10, 60);   // about 10% of prompts carry no entity
        Assert.True(withEntity > 200);
    }

    [Fact]
    public void Interventions_expect_the_answer_the_plan_implies()
    {
        var task = new LatentCategoryTask(4);
        var (categories, answers) = FromPlan(task);
        var rng = new Random(6);
        for (int i = 0; i < 100; i++)
        {
            var e = task.Sample(rng, 20, rng.Next(6), 1 + rng.Next(3));
            var byName = task.Interventions(e, rng).ToDictionary(v => v.Name);
            Assert.Equal(3, byName.Count);

            var same = byName["swap an entity within its category"];
            int changed = Enumerable.Range(0, 20).Single(p => same.Tokens[p] != e.Tokens[p]);
            int category = Array.FindIndex(categories, c => c.Contains(e.Tokens[changed]));
            Assert.Contains(same.Tokens[changed], categories[category]);
            Assert.Equal(e.Answer, same.ExpectedAnswer);

            var swapped = byName["swap the entities for another category's"];
            int target = Array.FindIndex(categories, c => c.Contains(swapped.Tokens[e.Planted[0]]));
            Assert.NotEqual(category, target);
            Assert.All(e.Planted, p => Assert.Contains(swapped.Tokens[p], categories[target]));
            Assert.Equal(answers[target], swapped.ExpectedAnswer);
            Assert.Equal(task.Build(swapped.Tokens).Answer, swapped.ExpectedAnswer);

            var removed = byName["remove the entities"];
            Assert.Equal(20 - e.Planted.Length, removed.Tokens.Length);
            Assert.Equal(Vocab.Id("vz"), removed.ExpectedAnswer);
        }
        Assert.Empty(task.Interventions(task.Sample(rng, 10, 0, 0), rng));
    }

    [Fact]
    public void Out_of_set_variants_change_only_what_they_claim()
    {
        var task = new LatentCategoryTask(5);
        var rng = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            var e = task.Sample(rng, 16, rng.Next(6), 1 + rng.Next(3));
            var unseen = PartitionOod.ReplaceEntities(task, e, _ => task.UnseenWords[0]);
            Assert.Equal(e.Tokens.Length, unseen.Length);
            Assert.All(Enumerable.Range(0, 16), p =>
                Assert.Equal(e.Planted.Contains(p) ? task.UnseenWords[0] : e.Tokens[p], unseen[p]));

            var mixed = PartitionOod.MixCategories(task, e, rng, 16);
            var entityCategories = mixed.Select(task.CategoryOf).Where(c => c >= 0).ToArray();
            Assert.InRange(entityCategories.Length, 2, 3);
            Assert.True(entityCategories.Distinct().Count() >= 2, "a mixed prompt holds at least two categories");
            Assert.All(mixed, w => Assert.True(task.CategoryOf(w) >= 0 || task.FillerWords.Contains(w)));
        }
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var task = new LatentCategoryTask(1);
        var rng = new Random(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => task.Sample(rng, 5, 6, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => task.Sample(rng, 2, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => task.Sample(rng, 0, 0, 0));
        Assert.IsType<LatentCategoryTask>(SyntheticTasks.Create("latent-categories", 3));
        Assert.Throws<ArgumentException>(() => new PartitionBenchOptions { Hooks = [] }.Validate());
        Assert.Throws<ArgumentException>(() => new PartitionBenchOptions { Percentile = 100 }.Validate());
        Assert.Throws<ArgumentException>(() => PartitionAblation.MatchRegions([0, 1], [0, 7], 6));
    }

    [Fact]
    public void Each_category_is_matched_to_the_regions_where_it_is_the_majority_largest_first()
    {
        // Region 3: category 0 x3, 1 x1 -> 0. Region 5: category 0 x4 -> 0. Region 8: 1 x2, 2 x2 -> tie goes to 1.
        int[] regions = [3, 3, 3, 3, 5, 5, 5, 5, 8, 8, 8, 8];
        int[] labels = [0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 2, 2];
        var matched = PartitionAblation.MatchRegions(regions, labels, 3);
        Assert.Equal([5, 3], matched[0]);
        Assert.Equal([8], matched[1]);
        Assert.Empty(matched[2]);
    }
}
