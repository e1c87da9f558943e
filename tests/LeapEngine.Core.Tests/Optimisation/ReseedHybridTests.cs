using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>The reseed hybrid: descent explores beside GCG; stalled GCG candidates restart from descent's best readouts.</summary>
public class ReseedHybridTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private const string Unreachable = " zebra xylophone quantum";

    [Fact]
    public void Stall_counter_flags_candidates_without_improvement_for_patience_steps()
    {
        var stall = new StallCounter(2, patience: 2);
        Assert.Empty(stall.Update([5f, 5f]));
        Assert.Empty(stall.Update([4f, 5f]));          // candidate 1: one step without improvement
        Assert.Equal([1], stall.Update([3f, 6f]));     // candidate 1: two
        Assert.Empty(stall.Update([2.5f, 4f]));        // candidate 1 improved on its best (5): counter reset
        stall.Reset([0]);
        Assert.Empty(stall.Update([9f, 4f]));          // candidate 0 forgot its best: 9 is an improvement
    }

    [Fact]
    public void Take_best_hands_out_each_readout_once_best_first()
    {
        using var scope = NewDisposeScope();
        var pool = new ReadoutPool();
        pool.Add(tensor(new long[] { 1, 2, 3, 4, 5, 6 }).reshape(3, 2), tensor(new[] { 5f, 1f, 9f }));   // [n, length]
        Assert.Equal(new long[] { 3, 4 }, pool.TakeBest());
        pool.Add(tensor(new long[] { 3, 4 }).reshape(1, 2), tensor(new[] { 0f }));                         // seen again: not handed out again
        Assert.Equal(new long[] { 1, 2 }, pool.TakeBest());
        Assert.Equal(new long[] { 5, 6 }, pool.TakeBest());
        Assert.Null(pool.TakeBest());
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Reseeds_come_from_the_pool_best_first_then_from_fresh_spans()
    {
        var request = new OptimisationRequest { Target = " dog", Search = new ReseedHybridOptions() };
        using var problem = new OptimisationProblem(fixture.Model, request);
        using var scope = NewDisposeScope();
        using var random = new SeededRandom(0);
        using var init = new Initialiser(problem, random);
        var pool = new ReadoutPool();
        long a = problem.AllowedIds[3], b = problem.AllowedIds[4];
        pool.Add(tensor(new[] { a, a, a, a, b, b, b, b }).reshape(2, 4), tensor(new[] { 2f, 1f }));     // [n, length]
        var rows = ReseedHybrid.Reseeds(3, pool, init).data<long>().ToArray();                           // [3, length]
        Assert.Equal(new[] { b, b, b, b, a, a, a, a }, rows[..8]);
        Assert.All(rows[8..], id => Assert.Contains((int)id, problem.AllowedIds));
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Descent_steps_run_between_gcg_steps_and_stalled_candidates_are_reseeded()
    {
        var request = new OptimisationRequest
        {
            Target = Unreachable, Search = new ReseedHybridOptions { DescentSteps = 2, StallSteps = 1, Gcg = new GcgOptions { SearchWidth = 8 } },
            Steps = 9, Candidates = 2,
        };
        var phases = new List<string>();
        var result = PromptOptimiser.Run(fixture.Model, request, new PromptOptimiserTests.Collect([], p => phases.Add(p.Message![..p.Message!.IndexOf(':')])));
        Assert.Equal(["descent", "descent", "hybrid", "descent", "descent", "hybrid", "descent", "descent", "hybrid"], phases);
        long lossTokens = TextPieces.Context(fixture.Model, "").Length + 4 + fixture.Model.ContinuationIds(Unreachable).Length - 1;
        long verify = lossTokens + 1 + request.ExtraVerifyTokens;
        // 6 descent steps: a gradient pass over 2 (x3) and 2 readouts scored; 3 GCG steps: a gradient pass and 2 x 8 trials.
        Assert.Equal((6 * (3 * 2 + 2) + 3 * (3 * 2 + 16)) * lossTokens + result.PromptsVerified * verify, result.Work);
    }

    [Fact]
    public void The_ablation_runs_no_descent()
    {
        var request = new OptimisationRequest
        {
            Target = Unreachable, Search = new ReseedHybridOptions { StallSteps = 1, Gcg = new GcgOptions { SearchWidth = 1 }, AblateRandomProposals = true },
            Steps = 8, Candidates = 2,
        };
        var phases = new List<string>();
        var result = PromptOptimiser.Run(fixture.Model, request, new PromptOptimiserTests.Collect([], p => phases.Add(p.Message![..p.Message!.IndexOf(':')])));
        Assert.All(phases, p => Assert.Equal("hybrid", p));
        Assert.Equal(8, phases.Count);
        Assert.True(result.Reseeds > 0, "with a patience of one step and a single random trial per step, some candidate must stall in 8 steps");
    }

    [Fact]
    public void Reseed_hybrid_respects_the_work_budget_and_is_deterministic()
    {
        var request = new OptimisationRequest
        {
            Target = " the park", Search = new ReseedHybridOptions(), Steps = OptimisationRequest.MaxSteps, MaxWork = 60_000,
        };
        var (a, b) = fixture.RunTwiceFindingOneVerifiedPrompt(request);
        Assert.True(a.Work <= request.MaxWork, $"work {a.Work} over the budget");
        Assert.Equal(a.Work, b.Work);
    }
}
