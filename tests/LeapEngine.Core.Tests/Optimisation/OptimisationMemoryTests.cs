using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Tests.Models;
using TorchSharp;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>Long searches free every tensor they make: live tensors on this thread do not grow.</summary>
[Collection(nameof(SerialMemoryCollection))]
public class OptimisationMemoryTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    [Trait("Category", "Slow")]
    [Fact]
    public void Thousand_descent_steps_and_hundred_gcg_and_hybrid_steps_leave_no_live_tensors()
    {
        // An unreachable target so every step runs; small batches keep it fast.
        var descent = new OptimisationRequest { Target = " zebra xylophone", Search = new DescentOptions(), Steps = 1000, Candidates = 2, Length = 2, ExtraVerifyTokens = 0 };
        var gcg = descent with { Search = new GcgOptions { SearchWidth = 8 }, Steps = 100 };
        var hybrid = gcg with { Search = new AnchoredHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 } } };
        PromptOptimiser.Run(fixture.Model, descent with { Steps = 5 });   // warm up anything created once per process
        PromptOptimiser.Run(fixture.Model, gcg with { Steps = 5 });
        PromptOptimiser.Run(fixture.Model, hybrid with { Steps = 5 });
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var a = PromptOptimiser.Run(fixture.Model, descent);
        var b = PromptOptimiser.Run(fixture.Model, gcg);
        var c = PromptOptimiser.Run(fixture.Model, hybrid);
        long grown = DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        Assert.Equal((1000, 100, 100), (a.StepsRun, b.StepsRun, c.StepsRun));
        Assert.True(grown <= 0, $"{grown} more tensors alive after 1,000 descent, 100 GCG and 100 anchored-hybrid steps");
    }
}
