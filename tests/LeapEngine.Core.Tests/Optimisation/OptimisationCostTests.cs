using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>The one work model: a run never counts more than its bound, and a search that finds nothing says so and why.</summary>
public class OptimisationCostTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private const string Unreachable = " zebra xylophone quantum";

    [Theory]
    [InlineData(OptimisationMethod.Gcg, HybridVariant.Anchored)]
    [InlineData(OptimisationMethod.Descent, HybridVariant.Anchored)]
    [InlineData(OptimisationMethod.Hybrid, HybridVariant.Sequential)]
    [InlineData(OptimisationMethod.Hybrid, HybridVariant.Chain)]
    [InlineData(OptimisationMethod.Hybrid, HybridVariant.Reseed)]
    public void The_counted_work_of_a_run_is_within_the_worst_case_of_its_steps(OptimisationMethod method, HybridVariant variant)
    {
        var request = new OptimisationRequest
        {
            Target = Unreachable, Search = Searches.Of(method, variant).WithSearchWidth(8), Steps = 4, Candidates = 3, Seed = 2,
        };
        var result = PromptOptimiser.Run(fixture.Model, request);
        Assert.InRange(result.Work, 1, OptimisationCost.For(fixture.Model, request).WorstCaseSearch);
    }

    [Fact]
    public void A_search_that_finds_nothing_says_so_and_what_stopped_it()
    {
        var bySteps = PromptOptimiser.Run(fixture.Model,
            new OptimisationRequest { Target = Unreachable, Search = new GcgOptions { SearchWidth = 4 }, Steps = 2, Candidates = 2 });
        Assert.Empty(bySteps.Successes);
        Assert.Equal("steps", bySteps.StopReason);
        Assert.StartsWith("no verified prompt found: the search stopped after all 2 steps", bySteps.Summary);

        var request = new OptimisationRequest { Target = Unreachable, Search = new GcgOptions { SearchWidth = 4 }, Steps = 1000, Candidates = 2 };
        var cost = OptimisationCost.For(fixture.Model, request);
        var byWork = PromptOptimiser.Run(fixture.Model, request with { MaxWork = 3 * (cost.GcgStep + cost.VerifyStep) });
        Assert.Equal("work_budget", byWork.StopReason);
        Assert.True(byWork.StoppedByBudget);
        Assert.Contains("at its work budget", byWork.Summary);
        Assert.Contains("raise max_work", byWork.Summary);
    }
}
