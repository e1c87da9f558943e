using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>
/// A tenant's first submissions of a month race to create the month's ledger row. The invariants, on both databases:
/// exactly one row comes out, at zero, that the ledger then reserves against; and the race is not an error — nothing is
/// logged at warning or above (an operator's alerts watch those), nothing is thrown. The fresh database's migration
/// before it logs nothing at warning or above either.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class UsageMonthRaceTests(ApiFixture api)
{
    [Fact]
    public async Task Concurrent_first_submissions_on_PostgreSQL_make_one_row_and_log_no_error() =>
        await RaceAsync("postgres", await api.Postgres.CreateDatabaseAsync("leap_ledger"));

    [Fact]
    public async Task Concurrent_first_submissions_on_SQLite_make_one_row_and_log_no_error()
    {
        var dir = Directory.CreateTempSubdirectory("leap-ledger-").FullName;
        try { await RaceAsync("sqlite", $"Data Source={Path.Combine(dir, "leap.db")}"); }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task RaceAsync(string provider, string connectionString)
    {
        var logs = new WarningsAndAbove();
        await using var services = DataServices.Build(provider, connectionString, logs);
        await DataServices.MigrateAsync(services);
        // A fresh database migrates without a warning or an error either (an operator's first start reads clean).
        Assert.True(logs.Entries.IsEmpty, string.Join("\n", logs.Entries));
        var factory = services.GetRequiredService<IDbContextFactory<LeapDbContext>>();
        var tenantId = Guid.NewGuid();
        var now = DateTime.UtcNow;
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.Tenants.Add(new Data.Entities.Tenant { Id = tenantId, Name = "racer", Plan = "test", CreatedAt = now });
            await db.SaveChangesAsync();
        }

        // Sixteen first submissions at once, each on its own connection, released together.
        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            await using var db = await factory.CreateDbContextAsync();
            await QuotaLedger.EnsureMonthAsync(db, tenantId, now, CancellationToken.None);
        })).ToList();
        start.Set();
        await Task.WhenAll(racers);

        await using (var db = await factory.CreateDbContextAsync())
        {
            var row = Assert.Single(await db.UsageMonths.AsNoTracking().Where(u => u.TenantId == tenantId).ToListAsync());
            Assert.Equal(QuotaLedger.MonthOf(now), row.Month);
            Assert.Equal((0L, 0L, 0L, 0L, 0, 0), (row.UsedTokens, row.ReservedTokens, row.UsedEndpointCalls, row.ReservedEndpointCalls, row.JobsSucceeded, row.JobsFailed));
            // The row is the one the ledger reads: the tenant id was written as the provider writes every Guid.
            Assert.Null(await QuotaLedger.ReserveAsync(db, tenantId, new PlanLimits { ConcurrentJobs = 1, ComputeTokensPerMonth = 1000 }, 400, now, default));
            Assert.Equal(400, (await db.UsageMonths.AsNoTracking().SingleAsync(u => u.TenantId == tenantId)).ReservedTokens);
        }
        Assert.True(logs.Entries.IsEmpty, string.Join("\n", logs.Entries));
    }
}
