namespace LeapEngine.Data.Entities;

/// <summary>
/// One fixed-window counter shared by every API replica: requests of a tenant or operator key,
/// failed authentications of a client address. <see cref="RateWindows.HitAsync"/> counts a hit
/// in one statement, so replicas never read-then-write a count.
/// </summary>
public sealed class RateWindow
{
    /// <summary>What is counted, e.g. "tenant:{id}", "operator:{key id}", "auth:{address}".</summary>
    public required string Bucket { get; set; }
    /// <summary>Unix seconds at which the current window began.</summary>
    public long WindowStart { get; set; }
    public int Count { get; set; }
}
