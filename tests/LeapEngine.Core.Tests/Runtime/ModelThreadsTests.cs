using System.Collections.Concurrent;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Runtime;

/// <summary>Runs alone (it checks libtorch's process-wide default thread count, which a growing pool moves for a moment).</summary>
[Collection(nameof(SerialThreadSettingCollection))]
public class ModelThreadsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Work_runs_on_a_thread_of_its_own_with_the_configured_intra_op_threads(int intraOp)
    {
        int callerThreads = get_num_threads();
        using var threads = new ModelThreads(intraOp, "test-model");
        (int Thread, int TorchThreads, float Sum) seen = default;
        await threads.RunAsync(() =>
        {
            using var scope = NewDisposeScope();
            seen = (Environment.CurrentManagedThreadId, get_num_threads(), (ones(4) * 2.5f).sum().item<float>());   // real libtorch work
        });
        Assert.Equal((intraOp, 10f), (seen.TorchThreads, seen.Sum));
        Assert.NotEqual(Environment.CurrentManagedThreadId, seen.Thread);
        // The caller's own setting, and the default that new threads start from, are as before.
        Assert.Equal(callerThreads, get_num_threads());
        int fresh = 0;
        var thread = new Thread(() => fresh = get_num_threads());
        thread.Start();
        thread.Join();
        Assert.Equal(callerThreads, fresh);
    }

    [Fact]
    public async Task Threads_are_reused_and_one_starts_only_when_all_are_busy()
    {
        using var threads = new ModelThreads(1);
        var ids = new ConcurrentBag<int>();
        for (int i = 0; i < 10; i++) await threads.RunAsync(() => ids.Add(Environment.CurrentManagedThreadId));
        Assert.Equal(1, threads.Started);
        Assert.Single(ids.Distinct());

        // Three pieces that only finish together: each must have a thread of its own, or they would wait forever.
        using var together = new Barrier(3);
        var concurrent = new ConcurrentBag<int>();
        var running = Enumerable.Range(0, 3).Select(_ => threads.RunAsync(() =>
        {
            concurrent.Add(Environment.CurrentManagedThreadId);
            Assert.True(together.SignalAndWait(TimeSpan.FromSeconds(30)), "the three pieces did not run at once");
        })).ToArray();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(3, concurrent.Distinct().Count());
        Assert.Equal(3, threads.Started);

        // Once they are idle again, later work reuses them.
        for (int i = 0; i < 5; i++) await threads.RunAsync(() => { });
        Assert.Equal(3, threads.Started);
    }

    [Fact]
    public async Task An_exception_faults_that_piece_only_and_the_thread_lives_on()
    {
        using var threads = new ModelThreads(1);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => threads.RunAsync(() => throw new InvalidOperationException("bad piece")));
        Assert.Equal("bad piece", failure.Message);
        bool ran = false;
        await threads.RunAsync(() => ran = true);
        Assert.True(ran);
        Assert.Equal(1, threads.Started);
    }

    [Fact]
    public void Intra_op_threads_below_one_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelThreads(0));
}
