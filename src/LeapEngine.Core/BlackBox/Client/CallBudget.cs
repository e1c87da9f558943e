namespace LeapEngine.Core.BlackBox.Client;

/// <summary>
/// The calls one job may make to an endpoint, retries included (the reservation is planned
/// calls plus a retry allowance). Thread-safe: calls run concurrently.
/// </summary>
/// <param name="taken">Told of every call taken, as it is taken: a hosted job meters its usage from it, so a job that
/// fails or is cancelled midway is charged exactly the calls that went out.</param>
public sealed class CallBudget(long limit, Action? taken = null)
{
    private long _used;

    public static CallBudget Unlimited => new(long.MaxValue);
    public long Limit { get; } = limit > 0 ? limit : throw new ArgumentException($"a call budget must be at least 1, got {limit}");
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Takes one call; throws <see cref="EndpointException"/> (call_budget_exhausted) when none is left.</summary>
    public void Take()
    {
        if (Interlocked.Increment(ref _used) > Limit)
        {
            Interlocked.Decrement(ref _used);
            throw new EndpointException(EndpointFailure.CallBudgetExhausted,
                $"the job's budget of {Limit} endpoint calls is spent (retries count); raise the budget or make the endpoint fail less");
        }
        taken?.Invoke();
    }
}
