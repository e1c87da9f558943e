using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>The greedy-margin objective: zero exactly when greedy decoding says the target by the margin.</summary>
public class GreedyMarginTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Margin_loss_sums_how_far_the_best_other_token_is_above_the_target(double margin)
    {
        var model = fixture.Model;
        var request = new OptimisationRequest { Target = " the park", Search = new GcgOptions(), GreedyMargin = margin };
        using var problem = new OptimisationProblem(model, request);
        var span = new[] { problem.AllowedIds[10], problem.AllowedIds[50], problem.AllowedIds[90], problem.AllowedIds[130] };
        using var scope = NewDisposeScope();
        var (total, nll) = problem.LossOfIds(tensor(span.Select(i => (long)i).ToArray()).reshape(1, 4));    // [1, length]
        // By hand: teacher-forced log-probs of every vocabulary token at each target position.
        var prompt = problem.FullPrompt(span);
        int[] input = [.. prompt, .. problem.TargetIds[..^1]];
        var logProbs = model.Network.Forward(tensor(input.Select(i => (long)i).ToArray()).reshape(1, -1))
            .log_softmax(-1)[0].data<float>().ToArray();                                                     // [token, vocab] flattened
        int vocab = model.Config.VocabSize;
        double expected = 0, expectedNll = 0;
        for (int i = 0; i < problem.TargetIds.Length; i++)
        {
            int row = (prompt.Length - 1 + i) * vocab, target = problem.TargetIds[i];
            double other = Enumerable.Range(0, vocab).Where(v => v != target).Max(v => logProbs[row + v]);
            expected += Math.Max(0, other - logProbs[row + target] + margin);
            expectedNll -= logProbs[row + target];
        }
        Assert.True(expected > 0.5, $"margin loss {expected}: the span already makes greedy say the target, the test would prove little");
        Assert.Equal(expected, total.item<float>(), 2);
        Assert.Equal(expectedNll, nll.item<float>(), 2);   // the reported target NLL stays the NLL
    }

    [Fact]
    public void Anchored_hybrid_with_the_margin_finds_a_verified_prompt_deterministically()
    {
        var request = new OptimisationRequest
        {
            Target = " the park", Search = new AnchoredHybridOptions(), GreedyMargin = 1, Steps = 30,
        };
        var (a, _) = fixture.RunTwiceFindingOneVerifiedPrompt(request);
        Assert.True(a.ProposalsTaken > 0, "descent's proposals were never taken");
    }

    [Fact]
    public void Margin_and_window_cannot_be_combined() =>
        Assert.Contains("cannot be combined", Assert.Throws<ArgumentException>(() =>
            new OptimisationRequest { Target = " ball", GreedyMargin = 1, TargetWindow = 1 }.Validate(fixture.Model)).Message);
}
