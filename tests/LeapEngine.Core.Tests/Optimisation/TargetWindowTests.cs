using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>The target window: the loss counts the target after up to k of the model's own greedy tokens, as the success test does.</summary>
public class TargetWindowTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Windowed_Nll_is_minus_log_of_the_targets_probability_summed_over_greedy_offsets(int window)
    {
        var model = fixture.Model;
        var request = new OptimisationRequest { Target = " the park", Search = new GcgOptions(), Length = 4, TargetWindow = window };
        using var problem = new OptimisationProblem(model, request);
        var spans = new[] { new[] { problem.AllowedIds[10], problem.AllowedIds[50], problem.AllowedIds[90], problem.AllowedIds[130] },
                            model.ContinuationIds(" They went to").Concat(new[] { problem.AllowedIds[7] }).Take(4).ToArray() };
        using var scope = NewDisposeScope();
        var ids = tensor(spans.SelectMany(s => s.Select(i => (long)i)).ToArray()).reshape(2, 4);   // [B, length]
        var windowed = problem.LossOfIds(ids).TargetNll.data<float>().ToArray();
        using var plainProblem = new OptimisationProblem(model, request with { TargetWindow = 0 });
        var plain = plainProblem.LossOfIds(ids).TargetNll.data<float>().ToArray();
        for (int b = 0; b < 2; b++)
        {
            // By hand: greedy tokens after the prompt, then the target's teacher-forced probability at each offset.
            var prompt = problem.FullPrompt(spans[b]);
            var greedy = TextGenerator.Generate(model.Network, prompt, new GenerationOptions { MaxNewTokens = window, StopAtEos = false }, model.EosId);
            double sum = 0;
            for (int j = 0; j <= window; j++)
                sum += Math.Exp(Scoring.ContinuationLogProbs(model.Network, [.. prompt, .. greedy[..j]], problem.TargetIds).Sum(x => (double)x));
            Assert.Equal(-Math.Log(sum), windowed[b], 2);
            Assert.True(windowed[b] < plain[b], $"windowed {windowed[b]} not below the offset-0 NLL {plain[b]}");
        }
    }

    [Fact]
    public void Each_offset_is_counted_as_another_loss_pass()
    {
        const string unreachable = " zebra xylophone quantum";
        var request = new OptimisationRequest { Target = unreachable, Search = new GcgOptions { SearchWidth = 8 }, Steps = 2, Candidates = 2, TargetWindow = 2 };
        var result = PromptOptimiser.Run(fixture.Model, request);
        long t = TextPieces.Context(fixture.Model, "").Length + 4 + fixture.Model.ContinuationIds(unreachable).Length - 1;
        long lossTokens = 3 * t + 1 + 2;   // offsets 0, 1, 2: passes of t, t + 1 and t + 2 tokens
        long verify = t + 1 + request.ExtraVerifyTokens;
        Assert.Equal(2 * (3 * 2 + 16) * lossTokens + result.PromptsVerified * verify, result.Work);
    }

    [Fact]
    public void Windowed_gcg_finds_a_verified_prompt_deterministically()
    {
        var request = new OptimisationRequest { Target = " the park", Search = new GcgOptions(), Steps = 30, TargetWindow = 2 };
        fixture.RunTwiceFindingOneVerifiedPrompt(request);
    }
}
