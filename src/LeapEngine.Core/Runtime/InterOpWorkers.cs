using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>
/// Runs independent pieces of libtorch work (e.g. forward passes over different batches) on
/// several threads at once, each with ONE intra-op thread. On a CPU a small model's ops are
/// too small for libtorch's intra-op threads to help much (a stories260K attribution pass
/// runs only ~1.7x faster on two threads than on one), while two passes side by side, one
/// thread each, keep both cores busy.
/// </summary>
/// <remarks>
/// The threads form one process-wide pool, started on first need and kept: a thread's
/// libtorch thread count can only be lowered through <c>set_num_threads</c>, which also sets
/// the default that threads which have not used libtorch yet start from. The pool puts the
/// caller's count back as soon as its new threads are set up, so that window opens only when
/// the pool grows, not on every call. Callers that run at the same time share the pool (their
/// pieces queue), so the process never runs more libtorch threads than the pool holds.
/// </remarks>
public static class InterOpWorkers
{
    private static readonly BlockingCollection<Action> Queue = new();
    private static readonly Lock PoolLock = new();
    private static int _poolSize;
    [ThreadStatic] private static bool _onPoolThread;

    /// <summary>Threads started so far.</summary>
    public static int PoolSize => Volatile.Read(ref _poolSize);

    /// <summary>
    /// Workers to use by default on <paramref name="device"/>: on a CPU one per intra-op thread
    /// the calling thread is set to use; on a GPU one (a single stream gains nothing).
    /// </summary>
    public static int DefaultFor(Device device) => device.type == DeviceType.CPU ? Math.Max(1, get_num_threads()) : 1;

    /// <summary>
    /// Calls <paramref name="body"/> once per index in [0, count) on up to
    /// <paramref name="workers"/> pool threads that take the next index as they finish (so
    /// uneven pieces balance), and returns when all are done. With one worker or one piece, or
    /// when called from a pool thread (no nesting), everything runs on the caller's thread as
    /// usual. Workers start with the caller's grad mode. The first exception stops the other
    /// workers after their current piece and is rethrown here; so is cancellation.
    /// <paramref name="body"/> must be safe to run concurrently with itself (the model's
    /// weights are only read; hooks attached to it run on the workers).
    /// </summary>
    public static void For(int count, int workers, Action<int> body, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        workers = Math.Min(workers, count);
        if (workers <= 1 || _onPoolThread)
        {
            for (int i = 0; i < count; i++)
            {
                ct.ThrowIfCancellationRequested();
                body(i);
            }
            return;
        }

        EnsurePool(workers);
        bool grad = is_grad_enabled();
        int next = -1;
        Exception? failure = null;
        using var finished = new CountdownEvent(workers);
        for (int w = 0; w < workers; w++)
            Queue.Add(() =>
            {
                try
                {
                    using var gradMode = set_grad_enabled(grad);
                    while (Volatile.Read(ref failure) is null && !ct.IsCancellationRequested)
                    {
                        int i = Interlocked.Increment(ref next);
                        if (i >= count) break;
                        body(i);
                    }
                }
                catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
                finally { finished.Signal(); }
            });
        finished.Wait();
        if (failure is not null) ExceptionDispatchInfo.Throw(failure);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Starts pool threads until there are <paramref name="size"/>, each set to one libtorch thread.</summary>
    private static void EnsurePool(int size)
    {
        if (PoolSize >= size) return;
        lock (PoolLock)
        {
            int have = PoolSize;
            if (have >= size) return;
            int callerThreads = get_num_threads();
            using var configured = new CountdownEvent(size - have);
            for (int t = have; t < size; t++)
                new Thread(() =>
                {
                    _onPoolThread = true;
                    try
                    {
                        // Initialise this thread's libtorch setting first (otherwise done lazily
                        // at its first parallel op, from the process default, put back below).
                        get_num_threads();
                        set_num_threads(1);
                    }
                    finally { configured.Signal(); }
                    foreach (var work in Queue.GetConsumingEnumerable()) work();
                })
                { IsBackground = true, Name = $"leap-interop-{t}" }.Start();
            configured.Wait();
            set_num_threads(callerThreads);
            Volatile.Write(ref _poolSize, size);
        }
    }
}
