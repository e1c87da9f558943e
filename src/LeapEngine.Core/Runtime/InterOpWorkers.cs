using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>
/// Runs independent pieces of libtorch work (e.g. forward passes over different batches) on
/// several threads at once, each with ONE intra-op thread. On a CPU, a small model's ops are
/// too small for libtorch's intra-op threads to help much (stories260K's cached attribution
/// pass runs only ~1.3x faster on two threads than on one), while two passes side by side on
/// one thread each use both cores fully: measured ~1.45x more passes per second on 2 cores.
/// </summary>
public static class InterOpWorkers
{
    /// <summary>
    /// Workers to use by default on <paramref name="device"/>: on a CPU one per intra-op thread
    /// the calling thread is set to use; on a GPU one (a single stream gains nothing).
    /// </summary>
    public static int DefaultFor(Device device) => device.type == DeviceType.CPU ? Math.Max(1, get_num_threads()) : 1;

    /// <summary>
    /// Calls <paramref name="body"/> once per index in [0, count), on up to
    /// <paramref name="workers"/> threads that take the next index as they finish (so uneven
    /// pieces balance). With one worker (or one piece) everything runs on the caller's thread
    /// as usual. Each worker starts with the caller's grad mode. The first exception stops the
    /// other workers after their current piece and is rethrown here; so is cancellation.
    /// <paramref name="body"/> must be safe to run concurrently with itself (the model's
    /// weights are only read; hooks attached to it run on the workers).
    /// </summary>
    public static void For(int count, int workers, Action<int> body, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        workers = Math.Min(workers, count);
        if (workers <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                ct.ThrowIfCancellationRequested();
                body(i);
            }
            return;
        }

        // Lowering a thread's count also sets libtorch's process-wide default, which threads
        // that have not used libtorch yet start from: put the caller's count back once every
        // worker has lowered its own.
        int callerThreads = get_num_threads(), next = -1;
        bool grad = is_grad_enabled();
        Exception? failure = null;
        using var configured = new CountdownEvent(workers);
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            try
            {
                // Initialise this thread's libtorch setting first (otherwise done lazily at its
                // first parallel op, from the process default, which is put back below).
                get_num_threads();
                set_num_threads(1);
            }
            finally { configured.Signal(); }
            using var gradMode = set_grad_enabled(grad);
            while (Volatile.Read(ref failure) is null && !ct.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= count) break;
                try { body(i); }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    break;
                }
            }
        })
        { IsBackground = true, Name = $"leap-interop-{w}" }).ToList();

        foreach (var thread in threads) thread.Start();
        configured.Wait();
        set_num_threads(callerThreads);
        foreach (var thread in threads) thread.Join();
        if (failure is not null) ExceptionDispatchInfo.Throw(failure);
        ct.ThrowIfCancellationRequested();
    }
}
