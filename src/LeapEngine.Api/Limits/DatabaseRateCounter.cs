using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Limits;

/// <summary>
/// Counts in the shared database (table rate_windows), so N API replicas enforce one limit, not N
/// times it. One round trip per hit (<see cref="RateWindows.HitAsync"/>, an upsert returning the
/// count); a context of its own, so a counted hit never rides on a request's unit of work.
/// Windows that ended a while ago are deleted at most once a minute by whichever hit comes first.
/// </summary>
public sealed class DatabaseRateCounter(IDbContextFactory<LeapDbContext> contexts, TimeProvider clock, ILogger<DatabaseRateCounter> log)
    : IRateCounter
{
    private long _nextPrune;

    public async Task<RateHit> HitAsync(string bucket, CancellationToken ct)
    {
        long now = clock.GetUtcNow().ToUnixTimeSeconds();
        await using var db = await contexts.CreateDbContextAsync(ct);
        int count = await RateWindows.HitAsync(db, bucket, FixedWindow.StartOf(now), ct);
        long due = Interlocked.Read(ref _nextPrune);
        if (now >= due && Interlocked.CompareExchange(ref _nextPrune, now + FixedWindow.Seconds, due) == due)
        {
            try { await RateWindows.PruneAsync(db, FixedWindow.StartOf(now) - FixedWindow.Seconds, ct); }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "Pruning old rate windows failed; the next minute retries"); }
        }
        return new RateHit(count, FixedWindow.ResetSeconds(now));
    }
}
