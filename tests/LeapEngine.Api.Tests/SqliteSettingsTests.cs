using LeapEngine.Api.Tests.Infrastructure;
using System.Data.Common;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>
/// The standalone mode's SQLite settings are in effect on every connection the registered factory opens, not just the
/// first: WAL (kept in the file by the migrator), synchronous=NORMAL (no fsync per commit) and a busy timeout. (They are
/// applied when EF opens a connection, as it does for every query; code that opens the raw connection itself gets
/// SQLite's defaults.)
/// </summary>
public sealed class SqliteSettingsTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leap-sqlite-settings-").FullName;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _services = DataServices.Build("sqlite", $"Data Source={Path.Combine(_dir, "leap.db")}");
        await DataServices.MigrateAsync(_services);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Every_connection_runs_in_WAL_with_normal_sync_and_a_busy_timeout()
    {
        var factory = _services.GetRequiredService<IDbContextFactory<LeapDbContext>>();
        for (int i = 0; i < 3; i++)
        {
            await using var db = await factory.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();   // as EF opens it for every query
            var connection = db.Database.GetDbConnection();
            Assert.Equal("wal", await PragmaAsync(connection, "journal_mode"));
            Assert.Equal("1", await PragmaAsync(connection, "synchronous"));   // 1 = NORMAL (2 = FULL, the default)
            Assert.Equal(SqliteConnectionSettings.BusyTimeoutMilliseconds.ToString(), await PragmaAsync(connection, "busy_timeout"));
            // And the settings do not get in the way of a write.
            Assert.Equal(0, await db.Tenants.Where(t => t.Name == "nobody").ExecuteUpdateAsync(s => s.SetProperty(t => t.ActiveJobs, 1)));
        }
        // A fresh physical connection (not one back from the pool) gets them too.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using var fresh = await factory.CreateDbContextAsync();
        await fresh.Database.OpenConnectionAsync();
        var raw = fresh.Database.GetDbConnection();
        Assert.Equal("1", await PragmaAsync(raw, "synchronous"));
        Assert.Equal(SqliteConnectionSettings.BusyTimeoutMilliseconds.ToString(), await PragmaAsync(raw, "busy_timeout"));
    }

    private static async Task<string> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }
}
