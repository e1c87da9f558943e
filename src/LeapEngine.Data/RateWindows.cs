using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Data;

/// <summary>Fixed-window counters in the database (table rate_windows), shared by every API replica.</summary>
public static class RateWindows
{
    /// <summary>
    /// Counts one hit of <paramref name="bucket"/> in the window that began at <paramref name="windowStart"/>
    /// and returns the window's count including it. One round trip: an upsert that starts a new window
    /// when the stored one is older, and RETURNING the count (PostgreSQL and SQLite 3.35+ both speak it).
    /// Concurrent hits from several replicas serialise on the row, so no hit is lost or counted twice.
    /// </summary>
    public static async Task<int> HitAsync(LeapDbContext db, string bucket, long windowStart, CancellationToken ct)
    {
        var counts = await db.Database.SqlQuery<int>($"""
            INSERT INTO rate_windows (bucket, window_start, count) VALUES ({bucket}, {windowStart}, 1)
            ON CONFLICT (bucket) DO UPDATE SET
                count = CASE WHEN rate_windows.window_start = excluded.window_start THEN rate_windows.count + 1 ELSE 1 END,
                window_start = excluded.window_start
            RETURNING count AS "Value"
            """).ToListAsync(ct);
        return counts.Single();
    }

    /// <summary>Deletes windows that began before <paramref name="before"/> (their buckets have gone quiet).</summary>
    public static Task<int> PruneAsync(LeapDbContext db, long before, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"DELETE FROM rate_windows WHERE window_start < {before}", ct);
}
