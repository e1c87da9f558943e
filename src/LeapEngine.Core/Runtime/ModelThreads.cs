using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>
/// Long-lived threads for synchronous model work (a served completion), each set once to a fixed number of libtorch
/// intra-op threads, kept and reused: a thread is started only when every one started before is busy, so there are
/// never more than the most pieces of work that ran at once (bounded by the model pool's leases).
/// </summary>
/// <remarks>
/// Why not a new thread per piece of work: a fresh thread starts from libtorch's default of one intra-op thread per
/// core, and a small model's ops are too small for them to help (<see cref="InterOpWorkers"/>); their OpenMP workers
/// spin while they wait, so on a busy machine one stories260K scoring pass cost 0.8-1 s of CPU instead of ~30 ms, and
/// several requests at once fought over the same cores. Setting a thread's count goes through
/// <c>set_num_threads</c>, which also moves the default for threads that have not used libtorch yet, so the creator
/// puts its own count back as soon as the new thread is set up (the window opens only when the pool grows).
/// </remarks>
public sealed class ModelThreads : IDisposable
{
    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _queue = new();
    private readonly Lock _growLock = new();
    private readonly int _intraOpThreads;
    private readonly string _name;
    private int _started;
    private int _idle;

    /// <param name="intraOpThreads">libtorch intra-op threads per thread (1: one core per piece of work).</param>
    /// <param name="name">Thread names' prefix (seen in a profiler).</param>
    public ModelThreads(int intraOpThreads, string name = "leap-model")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        _intraOpThreads = intraOpThreads;
        _name = name;
    }

    /// <summary>Threads started so far (the most that ever ran at once).</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>
    /// Runs <paramref name="work"/> on one of the threads (an idle one, or a new one when all are busy); the task ends
    /// when it returns, faulted with its exception if it threw.
    /// </summary>
    public Task RunAsync(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Claim an idle thread for this piece, or start one: a queued piece never waits behind a busy thread.
        if (Interlocked.Decrement(ref _idle) < 0)
        {
            Interlocked.Increment(ref _idle);
            StartThread();
        }
        _queue.Add((work, done));
        return done.Task;
    }

    private void StartThread()
    {
        lock (_growLock)
        {
            int callerThreads = get_num_threads();
            using var configured = new ManualResetEventSlim();
            var thread = new Thread(() =>
            {
                try
                {
                    // Initialise this thread's libtorch setting first (otherwise done lazily at its first parallel
                    // op, from the process default, which is put back below).
                    get_num_threads();
                    set_num_threads(_intraOpThreads);
                }
                finally { configured.Set(); }
                foreach (var (work, done) in _queue.GetConsumingEnumerable())
                {
                    Exception? failure = null;
                    try { work(); }
                    catch (Exception e) { failure = e; }
                    // Idle again before the caller hears of it, so that its next piece finds this thread free.
                    Interlocked.Increment(ref _idle);
                    if (failure is null) done.SetResult();
                    else done.SetException(failure);
                }
            })
            { IsBackground = true, Name = $"{_name}-{_started}" };
            thread.Start();
            configured.Wait();
            set_num_threads(callerThreads);
            Interlocked.Increment(ref _started);
        }
    }

    /// <summary>Lets the threads end once the work queued so far is done.</summary>
    public void Dispose() => _queue.CompleteAdding();
}
