namespace LeapEngine.Jobs.Metering;

/// <summary>
/// A job asked for more model tokens than it reserved. The runner fails the job with the stable
/// code <see cref="ErrorCode"/> and charges what it used (at most the reservation). Seeing one
/// means an estimate is wrong: every job type's reservation is meant to be an upper bound.
/// </summary>
public sealed class UsageLimitReachedException(long used, long requested, long limit)
    : Exception($"the job stopped at its reservation of {limit} model tokens: it had used {used} and its next pass needed {requested} more")
{
    public const string ErrorCode = "usage_limit_reached";

    public long Used { get; } = used;
    public long Requested { get; } = requested;
    public long Limit { get; } = limit;
}
