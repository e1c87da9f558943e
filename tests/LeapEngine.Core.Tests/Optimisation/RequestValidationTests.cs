using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Tests.Optimisation;

public class RequestValidationTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    public static TheoryData<string, OptimisationRequest> BadRequests => new()
    {
        { "target is empty", new OptimisationRequest { Target = "" } },
        { "length must be 1", new OptimisationRequest { Target = " ball", Length = 0 } },
        { "length must be 1", new OptimisationRequest { Target = " ball", Length = 65 } },
        { "steps must be", new OptimisationRequest { Target = " ball", Steps = 0 } },
        { "candidates must be", new OptimisationRequest { Target = " ball", Candidates = 0 } },
        // The search's own fields are checked by its options type (SearchOptionsTests); the request runs that check.
        { "GcgOptions.TopK must be 1 to 4096, got 0", new OptimisationRequest { Target = " ball", Search = new GcgOptions { TopK = 0 } } },
        { "AnchoredHybridOptions.Descent.LearningRate must be a positive number, got NaN",
            new OptimisationRequest { Target = " ball", Search = new AnchoredHybridOptions { Descent = new DescentOptions { LearningRate = double.NaN } } } },
        { "the search is missing", new OptimisationRequest { Target = " ball", Search = null! } },
        { "fluency weight must be >= 0", new OptimisationRequest { Target = " ball", FluencyWeight = -1 } },
        { "target window must be 0 to 8", new OptimisationRequest { Target = " ball", TargetWindow = -1 } },
        { "must not exceed the extra verification tokens", new OptimisationRequest { Target = " ball", TargetWindow = 3, ExtraVerifyTokens = 2 } },
        { "exact continuation", new OptimisationRequest { Target = " ball", TargetWindow = 1, ExactContinuation = true } },
        { "greedy margin must be a number >= 0", new OptimisationRequest { Target = " ball", GreedyMargin = -1 } },
        { "work budget must be at least 1", new OptimisationRequest { Target = " ball", MaxWork = 0 } },
        { "time budget must be a positive", new OptimisationRequest { Target = " ball", MaxSeconds = double.NaN } },
        { "outside the vocabulary", new OptimisationRequest { Target = " ball", AllowedTokenIds = [5000] } },
        { "exceed the model's context length", new OptimisationRequest { Target = string.Concat(Enumerable.Repeat(" the ball", 300)) } },
        { "extra verification tokens", new OptimisationRequest { Target = string.Concat(Enumerable.Repeat(" the ball", 126)), ExtraVerifyTokens = 200 } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Bad_requests_throw_argument_exceptions_that_say_what_to_fix(string message, OptimisationRequest request)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => request.Validate(fixture.Model));
        Assert.Contains(message, e.Message);
        // The entry point validates before building anything.
        Assert.ThrowsAny<ArgumentException>(() => PromptOptimiser.Run(fixture.Model, request));
    }

    [Fact]
    public void Empty_allowed_vocabulary_is_an_error()
    {
        // Only BOS and EOS allowed: the printable filter removes both.
        var request = new OptimisationRequest { Target = " ball", AllowedTokenIds = [1, 2] };
        var e = Assert.ThrowsAny<ArgumentException>(() => PromptOptimiser.Run(fixture.Model, request));
        Assert.Contains("no token is allowed", e.Message);
    }

    [Fact]
    public void Default_request_is_valid() => new OptimisationRequest { Target = " ball" }.Validate(fixture.Model);

    [Theory]
    [InlineData(OptimisationMethod.Descent, 10, 10)]
    [InlineData(OptimisationMethod.Gcg, 10, 0)]
    [InlineData(OptimisationMethod.Hybrid, 10, 3)]
    [InlineData(OptimisationMethod.Hybrid, 2, 1)]
    [InlineData(OptimisationMethod.Hybrid, 1, 1)]
    public void Descent_steps_follow_the_method(OptimisationMethod method, int steps, int expected) =>
        Assert.Equal(expected, PromptOptimiser.DescentSteps(new OptimisationRequest { Search = Searches.Of(method, HybridVariant.Sequential), Steps = steps }));

    [Theory]
    [InlineData(HybridVariant.Anchored)]
    [InlineData(HybridVariant.Chain)]
    [InlineData(HybridVariant.Reseed)]
    public void Hybrids_beside_GCG_have_no_separate_descent_phase(HybridVariant variant) =>
        Assert.Equal(0, PromptOptimiser.DescentSteps(new OptimisationRequest { Search = HybridOptions.Of(variant), Steps = 10 }));
}
