using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LeapEngine.Data;

/// <summary>
/// Per-connection SQLite settings for the standalone mode, applied every time a connection opens (SQLite keeps them
/// per connection, not in the file). The database is in WAL mode (set once by the migrator, kept in the file), where
/// <c>synchronous=NORMAL</c> is SQLite's recommended setting: a commit no longer waits for an fsync of the log (about
/// 7 ms on the build machine's disk, twice per served completion: the reservation and its settlement, one writer at a
/// time), the log is synced at checkpoints instead. The database stays consistent after a crash of the process or the
/// machine; a power cut may lose the last few commits, which the standalone mode accepts (production runs on
/// PostgreSQL). <c>busy_timeout</c> makes a writer that finds the file locked (the API and a separate worker share it)
/// wait for its turn rather than fail at once.
/// </summary>
public sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    /// <summary>How long a statement waits for another connection's write lock before SQLITE_BUSY.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;

    private static readonly string Pragmas = $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(ct);
    }
}
