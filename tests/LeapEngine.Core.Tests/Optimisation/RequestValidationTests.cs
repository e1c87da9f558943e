using LeapEngine.Core.Optimisation;

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
        { "learning rate", new OptimisationRequest { Target = " ball", LearningRate = double.NaN } },
        { "nearest-token weight", new OptimisationRequest { Target = " ball", NearestTokenWeight = -1 } },
        { "top-k", new OptimisationRequest { Target = " ball", TopK = 0 } },
        { "search width", new OptimisationRequest { Target = " ball", SearchWidth = 0 } },
        { "hybrid descent fraction", new OptimisationRequest { Target = " ball", HybridDescentFraction = 1 } },
        { "descent steps per GCG step must be 1 to 16", new OptimisationRequest { Target = " ball", HybridDescentSteps = 0 } },
        { "hybrid's learning rate", new OptimisationRequest { Target = " ball", HybridLearningRate = 0 } },
        { "nearest tokens per position must be 1 to 64", new OptimisationRequest { Target = " ball", HybridNearestTokens = 65 } },
        { "stall steps must be 1 to 1000", new OptimisationRequest { Target = " ball", HybridStallSteps = 0 } },
        { "unknown hybrid variant", new OptimisationRequest { Target = " ball", HybridVariant = (HybridVariant)9 } },
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
        Assert.Equal(expected, PromptOptimiser.DescentSteps(new OptimisationRequest { Method = method, Steps = steps, HybridVariant = HybridVariant.Sequential }));

    [Theory]
    [InlineData(HybridVariant.Anchored)]
    [InlineData(HybridVariant.Chain)]
    public void Interleaved_hybrids_have_no_separate_descent_phase(HybridVariant variant) =>
        Assert.Equal(0, PromptOptimiser.DescentSteps(new OptimisationRequest { Method = OptimisationMethod.Hybrid, Steps = 10, HybridVariant = variant }));
}
