using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>The compute budgets: counted work (forward-token equivalents) and wall time stop the search.</summary>
public class BudgetTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    // An unreachable target, so only the budget can end the search.
    private const string Unreachable = " zebra xylophone quantum";

    [Fact]
    public void Work_is_counted_as_forward_token_equivalents()
    {
        var request = new OptimisationRequest { Target = Unreachable, Search = new GcgOptions { SearchWidth = 8 }, Steps = 3, Candidates = 2 };
        var result = PromptOptimiser.Run(fixture.Model, request);
        // Per step: forward + backward over 2 sequences (x3) and 2 x 8 scored sequences; each
        // fresh prompt verified costs its prefill plus the tokens it may generate.
        long lossTokens = LossTokens(request), verify = VerifyWork(request);
        Assert.Equal(3 * (3 * 2 + 16) * lossTokens + result.PromptsVerified * verify, result.Work);
        Assert.False(result.StoppedByBudget);
    }

    [Theory]
    [InlineData(OptimisationMethod.Gcg)]
    [InlineData(OptimisationMethod.Descent)]
    public void Max_work_stops_the_search_before_it_is_exceeded(OptimisationMethod method)
    {
        var baseRequest = new OptimisationRequest { Target = Unreachable, Search = Searches.Of(method).WithSearchWidth(8), Steps = 1000, Candidates = 2 };
        long step = (method == OptimisationMethod.Gcg ? 22 : 6) * LossTokens(baseRequest) + 2 * VerifyWork(baseRequest);   // worst case of one step
        var request = baseRequest with { MaxWork = 4 * step + step / 2 };
        var result = PromptOptimiser.Run(fixture.Model, request);
        Assert.True(result.StoppedByBudget);
        Assert.True(result.Work <= request.MaxWork, $"work {result.Work} over the budget {request.MaxWork}");
        Assert.InRange(result.StepsRun, 4, 8);   // at least the 4 worst-case steps; repeats verify for free
        Assert.True(result.Work + step > request.MaxWork, $"work {result.Work}: another step would still have fitted");
    }

    [Fact]
    public void Hybrid_gives_descent_its_share_of_the_work_budget()
    {
        var request = new OptimisationRequest
        {
            Target = Unreachable, Steps = 1000, Candidates = 2,
            Search = new SequentialHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 }, DescentFraction = 0.5 },
        };
        long descentStep = 6 * LossTokens(request) + 2 * VerifyWork(request), gcgStep = 22 * LossTokens(request) + 2 * VerifyWork(request);
        request = request with { MaxWork = 6 * descentStep + 2 * gcgStep };
        var phases = new List<string>();
        var result = PromptOptimiser.Run(fixture.Model, request, new PromptOptimiserTests.Collect([], p => phases.Add(p.Message![..p.Message!.IndexOf(':')])));
        int descent = phases.Count(p => p == "descent"), gcg = phases.Count(p => p == "gcg");
        Assert.Equal(result.StepsRun, descent + gcg);
        Assert.True(descent >= 3 && gcg >= 2, $"{descent} descent and {gcg} GCG steps");
        Assert.Equal(phases.OrderBy(p => p == "gcg" ? 1 : 0), phases);   // descent first, then GCG
        Assert.True(result.Work <= request.MaxWork);
    }

    [Fact]
    public void Max_seconds_stops_the_search()
    {
        var request = new OptimisationRequest { Target = Unreachable, Search = new GcgOptions { SearchWidth = 8 }, Steps = 1000, Candidates = 2, MaxSeconds = 1e-9 };
        var result = PromptOptimiser.Run(fixture.Model, request);
        Assert.Equal(0, result.StepsRun);
        Assert.Equal(0, result.Work);
        Assert.True(result.StoppedByBudget);
        Assert.Empty(result.Successes);
    }

    [Fact]
    public void Successes_record_the_work_spent_to_reach_them()
    {
        var result = PromptOptimiser.Run(fixture.Model, new OptimisationRequest { Target = " dog", Search = new GcgOptions(), Steps = 30, StopAfterSuccesses = 2 });
        Assert.Equal(2, result.Successes.Count);
        Assert.True(result.Successes[0].Work > 0);
        Assert.True(result.Successes[0].Work <= result.Successes[1].Work);
        Assert.Equal(result.Work, result.Successes[1].Work);   // the search stops at the step of the second success
    }

    private long LossTokens(OptimisationRequest r) =>
        TextPieces.Context(fixture.Model, r.Prefix).Length + r.Length + fixture.Model.ContinuationIds(r.Target).Length - 1;

    private long VerifyWork(OptimisationRequest r) =>
        TextPieces.Context(fixture.Model, r.Prefix).Length + r.Length + fixture.Model.ContinuationIds(r.Target).Length + r.ExtraVerifyTokens;
}

/// <summary>The hybrid's pool of descent readouts: GCG starts from the best distinct ones by exact loss.</summary>
public class ReadoutPoolTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    [Fact]
    public void Best_returns_the_lowest_loss_distinct_readouts_and_fills_from_the_fallback()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var pool = new ReadoutPool();
        pool.Add(TorchSharp.torch.tensor(new long[] { 1, 2, 3, 4, 1, 2 }).reshape(3, 2), TorchSharp.torch.tensor(new[] { 5f, 1f, 9f }));
        pool.Add(TorchSharp.torch.tensor(new long[] { 3, 4, 7, 7 }).reshape(2, 2), TorchSharp.torch.tensor(new[] { 0.5f, 2f }));   // [3,4] seen: first loss kept
        var fallback = TorchSharp.torch.full(4, 2, 9L);
        var best = pool.Best(4, fallback).data<long>().ToArray();
        Assert.Equal(new long[] { 3, 4, 7, 7, 1, 2, 9, 9 }, best);
        Assert.Equal(9L, fallback[0, 0].item<long>());   // the fallback is not modified
        Assert.Equal(new long[] { 3, 4 }, pool.Best(1, fallback.narrow(0, 0, 1)).data<long>().ToArray());
    }

    [Fact]
    public void Hybrid_with_best_readouts_scores_every_descent_readout()
    {
        var request = new OptimisationRequest
        {
            Target = " zebra xylophone quantum", Steps = 10, Candidates = 2,
            Search = new SequentialHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 }, BestReadouts = true },
        };
        var result = PromptOptimiser.Run(fixture.Model, request);
        Assert.Equal(10, result.StepsRun);
        Assert.Equal(3L * 2 + 7L * 2 * 8, result.SequencesScored);   // 3 descent steps x 2 readouts, 7 GCG steps x 2 x 8 trials
    }
}
