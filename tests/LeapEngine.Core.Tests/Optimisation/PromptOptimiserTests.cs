using System.Text.Json;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>End to end on stories260K: every reported prompt is checked here again by our own generation.</summary>
public class PromptOptimiserTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private LanguageModel Model => fixture.Model;

    [Theory]
    [InlineData(OptimisationMethod.Gcg, " dog")]
    [InlineData(OptimisationMethod.Hybrid, " the park")]
    [InlineData(OptimisationMethod.Descent, " dog")]
    public void Finds_prompts_whose_greedy_generation_says_the_target(OptimisationMethod method, string target)
    {
        var request = new OptimisationRequest { Target = target, Search = Searches.Of(method), Steps = 30, Seed = 0 };
        var result = PromptOptimiser.Run(Model, request);

        var success = Assert.Single(result.Successes);
        AssertVerified(request, success);
        Assert.Equal(success.Step, result.FirstSuccessStep);
        Assert.True(result.StepsRun <= request.Steps);
        Assert.Equal(4, success.PromptIds.Length);
        Assert.Equal(Model.ContinuationIds(target), result.TargetIds);
        Assert.True(success.TargetLogProb < 0);
        Assert.True(success.Perplexity > 1);
        var allowed = Vocabulary.Allowed(Model, VocabularyFilter.Printable).ToHashSet();
        Assert.All(success.PromptIds, id => Assert.Contains(id, allowed));
    }

    [Fact]
    public void The_same_seed_gives_the_same_result_and_another_seed_another_search()
    {
        var request = new OptimisationRequest { Target = " very happy", Search = new AnchoredHybridOptions(), Steps = 12, StopAfterSuccesses = 50 };
        var a = PromptOptimiser.Run(Model, request);
        var b = PromptOptimiser.Run(Model, request);
        Assert.Equal(a.BestTargetNllPerStep, b.BestTargetNllPerStep);
        Assert.Equal(a.Successes.Select(s => s.PromptIds), b.Successes.Select(s => s.PromptIds));
        var c = PromptOptimiser.Run(Model, request with { Seed = 1 });
        Assert.NotEqual(a.BestTargetNllPerStep, c.BestTargetNllPerStep);
    }

    [Fact]
    public void Prefix_suffix_and_allowed_ids_constrain_the_full_prompt()
    {
        var allowed = Vocabulary.Allowed(Model, VocabularyFilter.Printable).Where(id => id % 2 == 0).ToArray();
        var request = new OptimisationRequest
        {
            Target = " park", Search = new GcgOptions(), Steps = 40, Length = 3, Prefix = "One day,", Suffix = " to the",
            AllowedTokenIds = allowed, Seed = 0,
        };
        var result = PromptOptimiser.Run(Model, request);
        var success = Assert.Single(result.Successes);
        AssertVerified(request, success);
        var context = Model.PromptIds("One day,");
        var suffix = Model.ContinuationIds(" to the");
        Assert.Equal([.. context, .. success.PromptIds, .. suffix], success.FullPromptIds);
        Assert.StartsWith("One day,", success.FullPromptText);
        Assert.EndsWith(" to the", success.FullPromptText);
        Assert.All(success.PromptIds, id => Assert.Contains(id, allowed));
    }

    [Fact]
    public void Exact_continuation_successes_start_with_the_target()
    {
        var request = new OptimisationRequest { Target = " the park", Search = new GcgOptions(), Steps = 40, ExactContinuation = true, StopAfterSuccesses = 2 };
        var result = PromptOptimiser.Run(Model, request);
        Assert.NotEmpty(result.Successes);
        foreach (var s in result.Successes)
        {
            AssertVerified(request, s);
            Assert.StartsWith(" the park", s.Generation);
            Assert.Equal(result.TargetIds.Length, s.GeneratedIds.Length);   // no extra tokens generated
        }
    }

    [Fact]
    public void Several_successes_are_distinct_prompts()
    {
        var request = new OptimisationRequest { Target = " dog", Search = new GcgOptions(), Steps = 40, StopAfterSuccesses = 4 };
        var result = PromptOptimiser.Run(Model, request);
        Assert.Equal(4, result.Successes.Count);
        Assert.Equal(4, result.Successes.Select(s => string.Join(",", s.PromptIds)).Distinct().Count());
        Assert.All(result.Successes, s => AssertVerified(request, s));
        Assert.Equal(result.Successes.Max(s => s.Step), result.StepsRun);   // stops at the fourth
    }

    [Fact]
    public void Sequential_hybrid_runs_descent_then_gcg_for_the_full_budget()
    {
        // An unreachable target: every step runs, descent for 30% of them, then GCG.
        var request = new OptimisationRequest
        {
            Target = " zebra xylophone quantum", Search = new SequentialHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 } }, Steps = 10, Candidates = 2,
        };
        var progress = new List<ProgressUpdate>();
        var result = PromptOptimiser.Run(Model, request, new Collect(progress));
        Assert.Empty(result.Successes);
        Assert.Null(result.FirstSuccessStep);
        Assert.Equal(10, result.StepsRun);
        Assert.Equal(10, result.BestTargetNllPerStep.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), progress.Select(p => p.Done));
        Assert.All(progress, p => Assert.Equal(("steps", 10L), (p.Unit, p.Total)));
        Assert.Equal(3, progress.Count(p => p.Message!.StartsWith("descent")));
        Assert.Equal(7, progress.Count(p => p.Message!.StartsWith("gcg")));
        Assert.Equal(7L * 2 * 8, result.SequencesScored);
    }

    [Fact]
    public void Descent_lowers_the_target_loss()
    {
        var request = new OptimisationRequest { Target = " a big dog", Search = new DescentOptions(), Steps = 40, StopAfterSuccesses = 100, Seed = 3 };
        var curve = PromptOptimiser.Run(Model, request).BestTargetNllPerStep;
        Assert.True(curve.TakeLast(5).Average() < curve[0] - 1, $"first {curve[0]}, last five {string.Join(", ", curve.TakeLast(5))}");
    }

    [Fact]
    public void Cancellation_stops_within_one_step()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<ProgressUpdate>();
        var progress = new Collect(seen, p => { if (p.Done == 3) cts.Cancel(); });
        var request = new OptimisationRequest { Target = " zebra xylophone", Search = new AnchoredHybridOptions(), Steps = 1000 };
        Assert.ThrowsAny<OperationCanceledException>(() => PromptOptimiser.Run(Model, request, progress, cts.Token));
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void Result_round_trips_through_Json()
    {
        var result = PromptOptimiser.Run(Model, new OptimisationRequest { Target = " dog", Search = new GcgOptions(), Steps = 10 });
        var json = JsonSerializer.Serialize(result);
        var back = JsonSerializer.Deserialize<OptimisationResult>(json)!;
        Assert.Equal(result.Successes[0].PromptIds, back.Successes[0].PromptIds);
        Assert.Equal(result.Successes[0].Generation, back.Successes[0].Generation);
        Assert.Equal(result.StepsRun, back.StepsRun);
    }

    /// <summary>Independent check: greedy generation from the reported ids reproduces the reported generation, which says the target.</summary>
    private void AssertVerified(OptimisationRequest request, PromptSuccess success)
    {
        var generated = TextGenerator.Generate(Model.Network, success.FullPromptIds,
            new GenerationOptions { MaxNewTokens = success.GeneratedIds.Length }, Model.EosId);
        Assert.Equal(success.GeneratedIds, generated);
        var text = Model.Decode(success.FullPromptIds.Concat(generated));
        Assert.EndsWith(success.Generation, text);
        Assert.True(TargetMatch.Appears(success.Generation, request.Target, request.ExactContinuation), success.Generation);
        Assert.Contains(request.Target.Trim(), text);
        var logProb = Scoring.ContinuationLogProbs(Model.Network, success.FullPromptIds, Model.ContinuationIds(request.Target)).Sum();
        Assert.Equal(logProb, success.TargetLogProb, 3);
    }

    internal sealed class Collect(List<ProgressUpdate> into, Action<ProgressUpdate>? then = null) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value)
        {
            into.Add(value);
            then?.Invoke(value);
        }
    }
}
