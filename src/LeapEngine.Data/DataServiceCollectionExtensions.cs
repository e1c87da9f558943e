using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeapEngine.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LeapDbContext"/> (scoped) and <see cref="IDbContextFactory{LeapDbContext}"/>
    /// on the configured provider, a hosted service that applies the checked-in migrations before
    /// anything else starts, and Data Protection with its keys in the database (<see cref="DataProtectionSetup"/>).
    /// </summary>
    public static IServiceCollection AddLeapData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DataOptions>().BindConfiguration(DataOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var data = configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        var connection = data.ResolvedConnectionString();
        if (data.IsPostgres)
        {
            services.AddDbContextFactory<PostgresLeapDbContext>(o => o.UseNpgsql(connection,
                // Ride out blips (failover, restarts) briefly; a longer outage becomes a 503 the client retries.
                npgsql => npgsql.EnableRetryOnFailure(3, TimeSpan.FromSeconds(2), null)));
            services.AddSingleton<IDbContextFactory<LeapDbContext>, ContextFactory<PostgresLeapDbContext>>();
        }
        else
        {
            services.AddDbContextFactory<SqliteLeapDbContext>(o => o.UseSqlite(connection).AddInterceptors(SqliteSettings));
            services.AddSingleton<IDbContextFactory<LeapDbContext>, ContextFactory<SqliteLeapDbContext>>();
        }
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<LeapDbContext>>().CreateDbContext());
        services.AddHostedService<DatabaseMigrator>();
        services.AddLeapDataProtection();
        return services;
    }

    private static readonly SqliteConnectionSettings SqliteSettings = new();

    /// <summary>Plans from configuration (Leap:Plans, Leap:DefaultPlan), validated at start.</summary>
    public static IServiceCollection AddLeapPlans(this IServiceCollection services)
    {
        services.AddOptions<PlansOptions>().BindConfiguration(PlansOptions.Section)
            .Validate(p => p.Plans.Count > 0, "Leap:Plans must define at least one plan")
            .Validate(p => p.Find(p.DefaultPlan) is not null, "Leap:DefaultPlan must name a plan in Leap:Plans")
            .Validate(p => p.Plans.Values.All(l => System.ComponentModel.DataAnnotations.Validator.TryValidateObject(
                l, new(l), null, validateAllProperties: true)), "every plan's limits must be positive and in range")
            .ValidateOnStart();
        return services;
    }

    private sealed class ContextFactory<T>(IDbContextFactory<T> inner) : IDbContextFactory<LeapDbContext> where T : LeapDbContext
    {
        public LeapDbContext CreateDbContext() => inner.CreateDbContext();
    }
}

/// <summary>Applies pending migrations at start (creating the database when missing).</summary>
internal sealed class DatabaseMigrator(IDbContextFactory<LeapDbContext> factory, IOptions<DataOptions> options,
    ILogger<DatabaseMigrator> log) : IHostedService
{
    /// <summary>Take and release the PostgreSQL advisory lock that serialises migrations (key: "LeapMigr" as bytes).</summary>
    private const string LockSql = "SELECT pg_advisory_lock(5504913254493284210)", UnlockSql = "SELECT pg_advisory_unlock(5504913254493284210)";

    public async Task StartAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        if (!options.Value.IsPostgres)
        {
            await MigrateAsync(db, ct);
            return;
        }
        // API replicas and workers started together (a deploy, a scale-out) would otherwise apply the same migration
        // at once, and all but one crash on "column already exists": one migrates, the others wait and find nothing pending.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await db.Database.ExecuteSqlRawAsync(LockSql, ct);
            try { await MigrateAsync(db, ct); }
            finally { await db.Database.ExecuteSqlRawAsync(UnlockSql, CancellationToken.None); }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task MigrateAsync(LeapDbContext db, CancellationToken ct)
    {
        // Npgsql's history repository reads the history table without first asking whether it exists, so on a fresh
        // database EF logs the failed read at error level (npgsql/efcore.pg#3407): an operator's first start would open
        // with an error. EF's own create-if-not-exists script (the table EF itself would create next) keeps it clean.
        if (options.Value.IsPostgres)
            await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
            log.LogInformation("Applying {Count} migration(s) to the {Provider} database: {Migrations}",
                pending.Count, options.Value.Provider, string.Join(", ", pending));
        await db.Database.MigrateAsync(ct);
        // WAL lets the standalone API read while its in-process worker writes.
        if (!options.Value.IsPostgres) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
