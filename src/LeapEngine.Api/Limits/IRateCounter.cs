namespace LeapEngine.Api.Limits;

/// <summary>
/// Fixed one-minute windows of hits per bucket (a tenant's requests, an address's failed
/// authentications). Where the counts live decides whether limits hold across API replicas:
/// <see cref="DatabaseRateCounter"/> (PostgreSQL, every replica shares one count) or
/// <see cref="InMemoryRateCounter"/> (standalone SQLite mode: one API process, nothing to share).
/// </summary>
public interface IRateCounter
{
    /// <summary>Counts one hit of <paramref name="bucket"/> now; returns its window's count (this hit included) and when the window ends.</summary>
    Task<RateHit> HitAsync(string bucket, CancellationToken ct);
}

/// <summary>A window's count after a hit, and the seconds until the window ends (at least 1).</summary>
public readonly record struct RateHit(int Count, int ResetSeconds);

/// <summary>The one-minute window arithmetic both counters share.</summary>
internal static class FixedWindow
{
    public const int Seconds = 60;

    public static long StartOf(long unixSeconds) => unixSeconds - unixSeconds % Seconds;

    public static int ResetSeconds(long unixSeconds) => (int)Math.Max(1, StartOf(unixSeconds) + Seconds - unixSeconds);
}
