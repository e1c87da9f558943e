using LeapEngine.Data;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Streaming;

/// <summary>
/// The one database poller of an API process for everything its streams and long-polls wait on.
/// Each tick reads a small version (updated_at, status, progress, cancel flag) of every watched
/// job in one query, then the full rows of those whose version changed in a second, and offers
/// them to <see cref="JobWatch"/>; about once a second it also checks, in one query, that the keys
/// holding connections are still valid. Work per tick is a fixed number of round-trips whatever
/// the number of streams, and none at all when nobody waits.
/// </summary>
/// <remarks>
/// Versions are compared rather than reading <c>updated_at &gt; last tick</c>: that cursor would
/// miss a row committed late with an older stamp (another worker's clock, a long transaction)
/// and a cancel request, which sets only <c>cancel_requested</c>. Works the same on SQLite
/// (standalone) and PostgreSQL.
/// </remarks>
public sealed class JobWatchPoller(JobWatch watch, IDbContextFactory<LeapDbContext> factory,
    IOptionsMonitor<StreamOptions> options, TimeProvider clock, ILogger<JobWatchPoller> log) : BackgroundService
{
    private readonly Dictionary<Guid, JobVersion> _seen = [];
    private DateTimeOffset _keysCheckedAt = DateTimeOffset.MinValue;
    private bool _failing;

    private sealed record JobVersion(DateTime UpdatedAt, string Status, long ProgressDone, long ProgressTotal, bool CancelRequested);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await TickAsync(ct);
                if (_failing) log.LogInformation("Job watch: the database answers again");
                _failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // During an outage streams simply wait; say so once, not four times a second.
                if (!_failing) log.LogWarning(e, "Job watch: reading watched jobs failed; streams wait until the database answers");
                _failing = true;
            }
            try { await Task.Delay(TimeSpan.FromMilliseconds(options.CurrentValue.PollIntervalMs), clock, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One tick: changed rows of watched jobs to their watchers, invalid keys' connections ended.</summary>
    internal async Task TickAsync(CancellationToken ct)
    {
        var jobs = watch.WatchedJobs();
        foreach (var gone in _seen.Keys.Except(jobs).ToList()) _seen.Remove(gone);
        if (jobs.Count == 0) return;

        await using var db = await factory.CreateDbContextAsync(ct);
        var versions = await db.Jobs.AsNoTracking().Where(j => jobs.Contains(j.Id))
            .Select(j => new { j.Id, Version = new JobVersion(j.UpdatedAt, j.Status, j.ProgressDone, j.ProgressTotal, j.CancelRequested) })
            .ToListAsync(ct);
        // A job seen for the first time counts as changed: a new watcher read the row itself, and a
        // second offer of the same state is dropped by the stream as unchanged.
        var changed = versions.Where(v => !_seen.TryGetValue(v.Id, out var seen) || seen != v.Version).Select(v => v.Id).ToList();
        if (changed.Count > 0)
        {
            var rows = await db.Jobs.AsNoTracking().Where(j => changed.Contains(j.Id)).ToListAsync(ct);
            foreach (var row in rows)
            {
                _seen[row.Id] = new JobVersion(row.UpdatedAt, row.Status, row.ProgressDone, row.ProgressTotal, row.CancelRequested);
                watch.Publish(row);
            }
        }
        await CheckKeysAsync(db, ct);
    }

    private async Task CheckKeysAsync(LeapDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now - _keysCheckedAt < TimeSpan.FromMilliseconds(options.CurrentValue.KeyCheckIntervalMs)) return;
        _keysCheckedAt = now;
        var keys = watch.WatchedKeys();
        if (keys.Count == 0) return;
        var at = now.UtcDateTime;
        // The same test as authentication: a key that is revoked, expired or gone no longer holds a connection.
        var valid = await db.ApiKeys.AsNoTracking()
            .Where(k => keys.Contains(k.Id) && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > at))
            .Select(k => k.Id).ToListAsync(ct);
        var invalid = keys.Except(valid).ToHashSet();
        if (invalid.Count > 0) watch.EndKeys(invalid);
    }
}
