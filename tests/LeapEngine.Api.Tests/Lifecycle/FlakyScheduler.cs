using LeapEngine.Jobs.Scheduling;

namespace LeapEngine.Api.Tests.Lifecycle;

/// <summary>The real scheduler, except that the next <see cref="FailNext"/> enqueues throw (the queue was unreachable).</summary>
public sealed class FlakyScheduler(IJobScheduler inner) : IJobScheduler
{
    private static int _failNext;

    public static int FailNext
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    public string Enqueue(Guid jobId, string type, string queue, TimeSpan? delay = null)
    {
        if (Interlocked.Decrement(ref _failNext) >= 0) throw new InvalidOperationException("drill: the queue is unreachable");
        Interlocked.Exchange(ref _failNext, 0);
        return inner.Enqueue(jobId, type, queue, delay);
    }
}
