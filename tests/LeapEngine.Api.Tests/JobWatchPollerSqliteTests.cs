using LeapEngine.Api.Streaming;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Tests;

/// <summary>
/// The shared poller on SQLite, the standalone mode's database (the functional tests run on
/// PostgreSQL): its queries translate, a change reaches the job's watchers, and a revoked key's
/// watchers are ended.
/// </summary>
public sealed class JobWatchPollerSqliteTests : IAsyncLifetime
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private DbContextOptions<SqliteLeapDbContext> _options = null!;

    public async Task InitializeAsync()
    {
        await _connection.OpenAsync();
        _options = new DbContextOptionsBuilder<SqliteLeapDbContext>().UseSqlite(_connection).Options;
        await using var db = new SqliteLeapDbContext(_options);
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task A_change_reaches_the_jobs_watchers_and_a_revoked_keys_watchers_are_ended()
    {
        var watch = new JobWatch();
        var poller = new JobWatchPoller(watch, new Factory(_options), new FixedOptions(new StreamOptions { KeyCheckIntervalMs = 100 }),
            TimeProvider.System, NullLogger<JobWatchPoller>.Instance);
        var (tenant, job, key) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using (var db = new SqliteLeapDbContext(_options))
        {
            db.Tenants.Add(new Tenant { Id = tenant, Name = "t", Plan = "free", CreatedAt = DateTime.UtcNow });
            db.Jobs.Add(new JobRecord { Id = job, TenantId = tenant, Type = "generation", Model = "stories260K", Queue = "p2_small",
                RequestJson = "{}", ReservedMonth = "2026-12", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            db.ApiKeys.Add(new ApiKeyRecord { Id = key, Name = "k", Prefix = "leap_sqlite01", Hash = new byte[32], Scopes = "read",
                TenantId = tenant, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        using var watcher = watch.Watch(job, key);
        var seen = await ReadAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job));

        await poller.TickAsync(CancellationToken.None);   // first sight of the job: its state is offered
        await ReadAsync(db => db.Jobs.Where(j => j.Id == job).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.ProgressDone, 5L).SetProperty(j => j.UpdatedAt, DateTime.UtcNow)));
        await poller.TickAsync(CancellationToken.None);
        var next = await watcher.NextAsync(seen, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.Equal((JobStatus.Running, 5L), (next!.Status, next.ProgressDone));
        Assert.False(watcher.KeyRevoked);

        await ReadAsync(db => db.ApiKeys.Where(k => k.Id == key).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTime.UtcNow)));
        await Task.Delay(150);   // past the key check interval
        await poller.TickAsync(CancellationToken.None);
        Assert.True(watcher.KeyRevoked);
    }

    private async Task<T> ReadAsync<T>(Func<LeapDbContext, Task<T>> query)
    {
        await using var db = new SqliteLeapDbContext(_options);
        return await query(db);
    }

    private sealed class Factory(DbContextOptions<SqliteLeapDbContext> options) : IDbContextFactory<LeapDbContext>
    {
        public LeapDbContext CreateDbContext() => new SqliteLeapDbContext(options);
    }

    private sealed class FixedOptions(StreamOptions value) : IOptionsMonitor<StreamOptions>
    {
        public StreamOptions CurrentValue => value;
        public StreamOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<StreamOptions, string?> listener) => null;
    }
}
