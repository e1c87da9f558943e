using System.Collections.Concurrent;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Runtime;

[CollectionDefinition(nameof(SerialThreadSettingCollection), DisableParallelization = true)]
public sealed class SerialThreadSettingCollection;

/// <summary>
/// Runs alone: it checks libtorch's process-wide default thread count, which an InterOpWorkers
/// run in a concurrent test lowers for a moment.
/// </summary>
[Collection(nameof(SerialThreadSettingCollection))]
public class InterOpWorkersTests
{
    [Fact]
    public void Every_index_runs_once_on_one_intra_op_thread_per_worker()
    {
        int callerThreads = get_num_threads();
        var seen = new ConcurrentBag<(int Index, int ThreadId, int TorchThreads)>();
        InterOpWorkers.For(40, 3, i =>
        {
            using var scope = NewDisposeScope();
            Assert.Equal(i * 2.0, (ones(3) * i).sum().item<float>() * 2 / 3, 3);   // real libtorch work on the worker
            seen.Add((i, Environment.CurrentManagedThreadId, get_num_threads()));
        });
        Assert.Equal(Enumerable.Range(0, 40), seen.Select(s => s.Index).Order());
        Assert.All(seen, s => Assert.Equal(1, s.TorchThreads));
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, seen.Select(s => s.ThreadId));
        Assert.InRange(seen.Select(s => s.ThreadId).Distinct().Count(), 1, 3);
        // The caller's own setting, and the default new threads start from, are as before.
        Assert.Equal(callerThreads, get_num_threads());
        int fresh = 0;
        var thread = new Thread(() => fresh = get_num_threads());
        thread.Start();
        thread.Join();
        Assert.Equal(callerThreads, fresh);
    }

    [Fact]
    public void The_pool_is_kept_and_nested_calls_run_inline()
    {
        InterOpWorkers.For(4, 2, _ => { });
        int size = InterOpWorkers.PoolSize;
        Assert.True(size >= 2, $"pool of {size}");
        var inner = new ConcurrentBag<(int Outer, int Inner)>();
        InterOpWorkers.For(2, 2, _ => InterOpWorkers.For(3, 2, j => inner.Add((Environment.CurrentManagedThreadId, j))));
        Assert.Equal(6, inner.Count);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, inner.Select(x => x.Outer));
        Assert.Equal(size, InterOpWorkers.PoolSize);   // no new threads for the same width, none for nested calls
    }

    [Fact]
    public void One_worker_runs_on_the_callers_thread()
    {
        var threads = new HashSet<int>();
        InterOpWorkers.For(5, 1, _ => threads.Add(Environment.CurrentManagedThreadId));
        Assert.Equal([Environment.CurrentManagedThreadId], threads);
    }

    [Fact]
    public void Workers_inherit_the_callers_grad_mode()
    {
        var modes = new ConcurrentBag<bool>();
        using (no_grad()) InterOpWorkers.For(4, 2, _ => modes.Add(is_grad_enabled()));
        InterOpWorkers.For(4, 2, _ => modes.Add(is_grad_enabled()));
        Assert.Equal(4, modes.Count(m => !m));
        Assert.Equal(4, modes.Count(m => m));
    }

    [Fact]
    public void The_first_failure_is_rethrown_and_stops_the_others()
    {
        int started = 0;
        var error = Assert.Throws<InvalidOperationException>(() => InterOpWorkers.For(1000, 2, i =>
        {
            Interlocked.Increment(ref started);
            if (i == 3) throw new InvalidOperationException("piece 3 failed");
            Thread.Sleep(1);
        }));
        Assert.Equal("piece 3 failed", error.Message);
        Assert.True(started < 1000, $"all {started} pieces ran after the failure");
    }

    [Fact]
    public void Cancellation_is_rethrown()
    {
        using var cts = new CancellationTokenSource();
        int ran = 0;
        Assert.Throws<OperationCanceledException>(() => InterOpWorkers.For(1000, 2, i =>
        {
            if (Interlocked.Increment(ref ran) == 5) cts.Cancel();
        }, cts.Token));
        Assert.InRange(ran, 5, 6);
    }

    [Fact]
    public void Default_is_one_worker_per_intra_op_thread_on_cpu()
    {
        Assert.Equal(Math.Max(1, get_num_threads()), InterOpWorkers.DefaultFor(CPU));
        Assert.Throws<ArgumentOutOfRangeException>(() => InterOpWorkers.For(3, 0, _ => { }));
    }
}
