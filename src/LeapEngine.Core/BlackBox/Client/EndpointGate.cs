namespace LeapEngine.Core.BlackBox.Client;

/// <summary>
/// At most N calls in flight to one endpoint. A host that runs several jobs against the same
/// endpoint shares one gate between their clients (keyed by endpoint id); a client made
/// without one gets its own. Slots are held per attempt, not across retry waits.
/// </summary>
public sealed class EndpointGate(int maxConcurrency)
{
    private readonly SemaphoreSlim _slots = new(Check(maxConcurrency), maxConcurrency);
    private int _inFlight, _peak;

    public int MaxConcurrency { get; } = maxConcurrency;
    /// <summary>Most calls ever in flight at once (for tests and benchmarks).</summary>
    public int Peak => Volatile.Read(ref _peak);

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        // SemaphoreSlim can hand a freed slot to a waiter whose token was cancelled a moment before (the release wins
        // the race with the cancellation callback); without this check every queued call of a cancelled job would
        // still go out, one after another, as the slots free up.
        if (ct.IsCancellationRequested)
        {
            _slots.Release();
            ct.ThrowIfCancellationRequested();
        }
        int now = Interlocked.Increment(ref _inFlight);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
        return new Slot(this);
    }

    private static int Check(int n) => n >= 1 ? n : throw new ArgumentException($"max concurrency must be at least 1, got {n}");

    private sealed class Slot(EndpointGate gate) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1) return;
            Interlocked.Decrement(ref gate._inFlight);
            gate._slots.Release();
        }
    }
}
