using System.Diagnostics;
using LeapEngine.Core.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

[CollectionDefinition(nameof(SerialMemoryCollection), DisableParallelization = true)]
public sealed class SerialMemoryCollection;

/// <summary>
/// Dispose scopes everywhere: a long loop of forwards must not grow native memory. Runs
/// alone (resident memory is process-wide) and also counts live tensors on this thread.
/// </summary>
[Collection(nameof(SerialMemoryCollection))]
public class NativeMemoryTests
{
    [Fact]
    public void Thousand_forwards_do_not_grow_native_memory()
    {
        using var model = TestModels.Stories();
        var ids = tensor(Enumerable.Range(0, 64).Select(i => (long)(i * 7 % 512)).ToArray()).unsqueeze(0);
        void Loop(int n)
        {
            for (int i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                model.Forward(ids);
                // Hooked runs and caches must release everything too.
                var (logits, cache) = model.RunWithCache(ids, ["blocks.*.hook_resid_post"]);
                cache.Dispose();
                logits.Dispose();
            }
        }
        Loop(200);   // warm up allocator pools
        long before = ResidentBytes();
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Loop(1000);
        long grown = ResidentBytes() - before;
        long liveGrown = DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore;
        Assert.True(liveGrown <= 0, $"{liveGrown} more tensors alive after 1,000 forwards");
        // One forward's activations here are ~200 KB; a leak of even one tensor per call would add > 60 MB.
        Assert.True(grown < 24L * 1024 * 1024, $"resident memory grew by {grown / 1024 / 1024} MB over 1,000 forwards");
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
