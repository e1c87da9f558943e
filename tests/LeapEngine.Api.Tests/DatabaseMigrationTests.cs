using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>
/// A deploy or a scale-out starts API replicas and workers together on one database, each running the migrator at start.
/// The invariants: every process starts (one migrates under the advisory lock, the others find nothing pending, none
/// fails on "already exists"), the schema comes out whole, and a fresh database's first start logs no error.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DatabaseMigrationTests(ApiFixture api)
{
    [Fact]
    public async Task Processes_starting_together_on_a_fresh_PostgreSQL_database_all_migrate_it_once_and_log_no_error()
    {
        var connection = await api.Postgres.CreateDatabaseAsync("leap_migrate");
        var logs = new WarningsAndAbove();
        var processes = Enumerable.Range(0, 4).Select(_ => DataServices.Build("postgres", connection, logs)).ToList();
        try
        {
            using var start = new ManualResetEventSlim();
            var starting = processes.Select(p => Task.Run(async () => { start.Wait(); await DataServices.MigrateAsync(p); })).ToList();
            start.Set();
            await Task.WhenAll(starting);

            await using var db = await processes[0].GetRequiredService<IDbContextFactory<LeapDbContext>>().CreateDbContextAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            Assert.Equal(0, await db.Tenants.CountAsync());   // the schema is there to query
            Assert.True(logs.Entries.IsEmpty, string.Join("\n", logs.Entries));
        }
        finally
        {
            foreach (var p in processes) await p.DisposeAsync();
        }
    }
}
