namespace LeapEngine.Jobs.Metering;

/// <summary>
/// Thread-safe counter of the model tokens a job processed, bounded by the job's reservation.
/// The bound is structural: work that would pass it is refused before it runs (the counter
/// throws <see cref="UsageLimitReachedException"/> from the hook that meters a forward pass,
/// so that pass never computes), which makes "usage never passes the plan" true whatever an
/// estimate gets wrong. Attribution runs batches on several threads, hence the CAS loop.
/// </summary>
public sealed class UsageMeter(long limit = long.MaxValue)
{
    private long _tokens;

    /// <summary>The most this job may use: its reservation.</summary>
    public long Limit { get; } = limit >= 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), "a usage limit is >= 0");

    public long Tokens => Interlocked.Read(ref _tokens);

    /// <summary>Counts <paramref name="tokens"/> about to be processed, or throws when they would pass <see cref="Limit"/> (nothing is counted then).</summary>
    public void Add(long tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        while (true)
        {
            long before = Interlocked.Read(ref _tokens);
            long after = before + tokens;
            if (after > Limit) throw new UsageLimitReachedException(before, tokens, Limit);
            if (Interlocked.CompareExchange(ref _tokens, after, before) == before) return;
        }
    }
}
