using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>The interleaved hybrids: descent proposes trial spans, GCG scores them exactly with its own; work and progress under budgets.</summary>
public class HybridTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private const string Unreachable = " zebra xylophone quantum";

    [Fact]
    public void Gcg_takes_a_proposed_span_when_it_beats_its_own_trials()
    {
        // A good span, several substitutions away from the start: GCG's single swaps cannot reach its loss in one step.
        var (request, good) = VerifiedDogSpan(candidates: 2);
        using var problem = new OptimisationProblem(fixture.Model, request);
        using var scope = NewDisposeScope();
        var goodIds = tensor(good.Select(i => (long)i).ToArray()).reshape(1, 4);                            // [1, length]
        float goodLoss = problem.LossOfIds(goodIds).Total.item<float>();
        var start = full(2, 4, (long)problem.AllowedIds[0]);                                                // [B, length]

        using var random = new SeededRandom(0);
        using var plain = new GreedyCoordinateGradient(problem, Gcg(request), random, start);
        var (_, plainLoss, _) = plain.Step();
        Assert.All(plainLoss, l => Assert.True(l > goodLoss, $"single swaps reached {l} <= {goodLoss}: the test would prove nothing"));

        using var random2 = new SeededRandom(0);
        using var offered = new GreedyCoordinateGradient(problem, Gcg(request), random2, start);
        var (ids, loss, _) = offered.Step(goodIds.unsqueeze(0).expand(2, 1, 4));                           // [B, 1, length]
        Assert.All(loss, l => Assert.Equal(goodLoss, l, 3));
        Assert.Equal(good.Concat(good).Select(i => (long)i), ids.data<long>().ToArray());
    }

    [Fact]
    public void Proposals_of_spans_a_candidate_has_held_are_withdrawn()
    {
        var (request, good) = VerifiedDogSpan(candidates: 1);
        using var problem = new OptimisationProblem(fixture.Model, request);
        using var scope = NewDisposeScope();
        var goodIds = tensor(good.Select(i => (long)i).ToArray()).reshape(1, 1, 4);                         // [B, 1, length]
        using var random = new SeededRandom(0);
        // Start at the good span: GCG always moves, so after one step the candidate has left it.
        using var gcg = new GreedyCoordinateGradient(problem, Gcg(request), random, goodIds.reshape(1, 4));
        gcg.Step();
        Assert.NotEqual(good.Select(i => (long)i), gcg.Current().data<long>().ToArray());
        // Proposed again, the span it held is withdrawn: no slot offered, nothing taken.
        gcg.Step(goodIds);
        Assert.Equal((0L, 0L), (gcg.ProposalsOffered, gcg.ProposalsTaken));
        // After a restart elsewhere the memory is gone and the same proposal is offered.
        gcg.Restart([0], full(1, 4, (long)problem.AllowedIds[0]));
        gcg.Step(goodIds);
        Assert.Equal(1L, gcg.ProposalsOffered);
    }

    /// <summary>A small GCG request for " dog" and a verified prompt for it (found by a full-size GCG search).</summary>
    private (OptimisationRequest Request, int[] Span) VerifiedDogSpan(int candidates)
    {
        var request = new OptimisationRequest { Target = " dog", Search = new GcgOptions { SearchWidth = 8 }, Candidates = candidates };
        return (request, PromptOptimiser.Run(fixture.Model, request with { Steps = 30, Candidates = 8, Search = new GcgOptions { SearchWidth = 64 } }).Successes[0].PromptIds);
    }

    private static GcgOptions Gcg(OptimisationRequest request) => (GcgOptions)request.Search;

    private static InterleavedHybridOptions Interleaved(bool anchored) => anchored ? new AnchoredHybridOptions() : new ChainHybridOptions();

    private static OptimisationRequest ProposerRequest(bool anchored, int candidates) => new()
    {
        Target = " dog", Search = Interleaved(anchored), Candidates = candidates, Length = 4,
    };

    [Fact]
    public void Visited_spans_remember_per_candidate()
    {
        using var scope = NewDisposeScope();
        var visited = new VisitedSpans(2);
        visited.Add(tensor(new long[] { 1, 2, 3, 4 }).reshape(2, 2));                                        // [B, length]
        var offered = tensor(new long[] { 1, 2, 3, 4, 3, 4, 1, 2 }).reshape(2, 2, 2);                       // [B, P, length]: each candidate offered both spans
        Assert.Equal(new[] { false, true, false, true }, visited.Fresh(offered).data<bool>().ToArray());
        visited.Clear([1]);
        Assert.Equal(new[] { false, true, true, true }, visited.Fresh(offered).data<bool>().ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Proposer_offers_each_readout_whole_and_as_single_substitutions(bool anchored)
    {
        var request = ProposerRequest(anchored, candidates: 3);
        using var problem = new OptimisationProblem(fixture.Model, request);
        using var scope = NewDisposeScope();
        using var random = new SeededRandom(1);
        using var init = new Initialiser(problem, random);
        using var proposer = new DescentProposer(problem, Interleaved(anchored), init.Directions(3));
        var current = init.Ids(3);                                                                           // [B, length]
        var proposals = proposer.Propose(current, steps: 3);
        Assert.Equal(new long[] { 3, 3 * 5, 4 }, proposals.shape);   // 3 readouts x (whole + 4 single swaps)
        var p = proposals.data<long>().ToArray();
        var c = current.data<long>().ToArray();
        var allowed = problem.AllowedIds.ToHashSet();
        for (int b = 0; b < 3; b++)
            for (int r = 0; r < 3; r++)
            {
                long Get(int row, int pos) => p[((b * 15) + r * 5 + row) * 4 + pos];
                for (int pos = 0; pos < 4; pos++)
                {
                    Assert.Contains((int)Get(0, pos), allowed);
                    // Row 1 + q: the current span with position q from the readout.
                    for (int q = 0; q < 4; q++)
                        Assert.Equal(pos == q ? Get(0, pos) : c[b * 4 + pos], Get(1 + q, pos));
                }
            }
    }

    [Fact]
    public void Proposer_offers_the_next_nearest_tokens_as_single_substitutions()
    {
        var request = ProposerRequest(anchored: true, candidates: 2);
        using var problem = new OptimisationProblem(fixture.Model, request);
        using var scope = NewDisposeScope();
        using var random = new SeededRandom(2);
        using var init = new Initialiser(problem, random);
        using var proposer = new DescentProposer(problem, Interleaved(anchored: true), init.Directions(2));
        var current = init.Ids(2);                                                                           // [B, length]
        var proposals = proposer.Propose(current, steps: 1, perPosition: 3);
        Assert.Equal(new long[] { 2, 5 + 2 * 4, 4 }, proposals.shape);   // one readout (whole + 4 swaps), then 2 next-nearest x 4 positions
        var p = proposals.data<long>().ToArray();
        var c = current.data<long>().ToArray();
        for (int b = 0; b < 2; b++)
            for (int r = 0; r < 2; r++)
                for (int q = 0; q < 4; q++)
                {
                    int row = b * 13 + 5 + r * 4 + q;
                    for (int pos = 0; pos < 4; pos++)
                        if (pos != q) Assert.Equal(c[b * 4 + pos], p[row * 4 + pos]);
                    long token = p[row * 4 + q], nearest = p[(b * 13) * 4 + q];
                    Assert.NotEqual(nearest, token);   // next-nearest, not the readout's own token
                    Assert.Contains((int)token, problem.AllowedIds);
                }
    }

    [Fact]
    public void Interleaved_hybrid_counts_descent_passes_as_work()
    {
        var request = new OptimisationRequest
        {
            Target = Unreachable, Search = new AnchoredHybridOptions { DescentSteps = 2, Gcg = new GcgOptions { SearchWidth = 8 } },
            Steps = 3, Candidates = 2,
        };
        var progress = new List<ProgressUpdate>();
        var result = PromptOptimiser.Run(fixture.Model, request, new PromptOptimiserTests.Collect(progress));
        long lossTokens = TextPieces.Context(fixture.Model, "").Length + 4 + fixture.Model.ContinuationIds(Unreachable).Length - 1;
        long verify = lossTokens + 1 + request.ExtraVerifyTokens;
        // Per step: 2 descent passes and GCG's own, each forward + backward over 2 sequences (x3), and 2 x 8 scored trials.
        Assert.Equal(3 * (3 * 3 * 2 + 16) * lossTokens + result.PromptsVerified * verify, result.Work);
        Assert.Equal(9, result.BackwardPasses);
        Assert.All(progress, p => Assert.Equal(("steps", 3L), (p.Unit, p.Total)));
        Assert.All(progress, p => Assert.Contains("hybrid", p.Message));
    }

    [Theory]
    [InlineData(HybridVariant.Anchored)]
    [InlineData(HybridVariant.Chain)]
    public void Interleaved_hybrids_find_verified_prompts_deterministically(HybridVariant variant)
    {
        var request = new OptimisationRequest { Target = " the park", Search = HybridOptions.Of(variant), Steps = 30, Seed = 0 };
        fixture.RunTwiceFindingOneVerifiedPrompt(request);
    }

    [Fact]
    public void Progress_counts_work_against_a_work_budget()
    {
        var request = new OptimisationRequest
        {
            Target = Unreachable, Search = new AnchoredHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 } }, Steps = 1000, Candidates = 2,
            MaxWork = 20_000,
        };
        var progress = new List<ProgressUpdate>();
        var result = PromptOptimiser.Run(fixture.Model, request, new PromptOptimiserTests.Collect(progress));
        Assert.True(result.StoppedByBudget);
        Assert.Equal(result.StepsRun, progress.Count);
        Assert.All(progress, p => Assert.Equal((SearchLog.WorkUnit, 20_000L), (p.Unit, p.Total)));
        Assert.Equal(progress.Select(p => p.Done).Order(), progress.Select(p => p.Done));
        Assert.Equal(result.Work, progress[^1].Done);
        Assert.StartsWith($"hybrid: step {result.StepsRun},", progress[^1].Message);
    }
}
