using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Optimisation;
using LeapEngine.Jobs.Optimisation.Search;

namespace LeapEngine.Api.Tests;

/// <summary>Declared bounds on a job request become the 400 a hand-written check gave: the wire's field name, the bound and the value sent.</summary>
public sealed class JobRequestValidationTests
{
    public static TheoryData<Action<PromptOptimisationJobRequest>, string, string> Broken => new()
    {
        { r => r.Steps = 0, "steps", "steps must be 1 to 500, got 0" },
        { r => r.Length = 33, "length", "length must be 1 to 32 tokens, got 33" },
        { r => r.Search = new GcgSearchOptions { SearchWidth = 257 }, "search.search_width", "search.search_width must be 1 to 256, got 257" },
        { r => r.MaxWork = 0, "max_work", "max_work must be 1 to 100000000 forward-token equivalents, got 0" },
        { r => r.MaxSeconds = 0, "max_seconds", "max_seconds must be above 0 and at most 600, got 0" },
        { r => r.Search = new HybridSearchOptions { Variant = "sequential", DescentFraction = 1 }, "search.descent_fraction",
            "search.descent_fraction must lie strictly between 0 and 1, got 1" },
#pragma warning disable CS0618 // the deprecated flat fields keep their bounds
        { r => r.HybridDescentFraction = 1, "hybrid_descent_fraction", "hybrid_descent_fraction must lie strictly between 0 and 1, got 1" },
#pragma warning restore CS0618
        { r => r.Suffix = new string('x', 2_001), "suffix", "suffix may have at most 2000 characters, got 2001 characters" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_value_outside_its_declared_bound_names_the_field_the_bound_and_the_value(
        Action<PromptOptimisationJobRequest> breakIt, string field, string message)
    {
        var request = new PromptOptimisationJobRequest { Target = " ball" };
        breakIt(request);
        var e = Assert.Throws<JobRequestException>(() => JobRequestValidation.Check(request));
        Assert.Equal((field, message), (e.Field, e.Message));
    }

    [Fact]
    public void Defaults_bounds_themselves_and_omitted_optional_budgets_pass()
    {
        JobRequestValidation.Check(new PromptOptimisationJobRequest { Target = " ball" });
        JobRequestValidation.Check(new PromptOptimisationJobRequest
        {
            Target = new string('x', 2_000), Steps = 500, Length = 1, MaxWork = 100_000_000, MaxSeconds = 600,
            Search = new HybridSearchOptions { Variant = "sequential", DescentFraction = 0.999 },
        });
    }
}
