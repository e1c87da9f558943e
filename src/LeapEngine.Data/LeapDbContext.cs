using System.Text;
using LeapEngine.Data.Entities;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Data;

/// <summary>
/// The engine's relational model. Two provider-specific subclasses carry their own migrations
/// (<see cref="PostgresLeapDbContext"/> for production, <see cref="SqliteLeapDbContext"/> for the
/// zero-setup standalone mode); code depends on this base type only.
/// </summary>
public abstract class LeapDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ApiKeyRecord> ApiKeys => Set<ApiKeyRecord>();
    public DbSet<UsageMonth> UsageMonths => Set<UsageMonth>();
    public DbSet<JobRecord> Jobs => Set<JobRecord>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<DictionaryRecord> Dictionaries => Set<DictionaryRecord>();
    public DbSet<RateWindow> RateWindows => Set<RateWindow>();
    public DbSet<EndpointRecord> Endpoints => Set<EndpointRecord>();
    /// <summary>ASP.NET Core Data Protection's key ring (endpoint secrets, the viewer's cookies), shared by every process.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Tenant>(e =>
        {
            e.ToTable("tenants");
            e.Property(t => t.Name).HasMaxLength(200);
            e.Property(t => t.Plan).HasMaxLength(64);
            e.Property(t => t.QuotaDay).HasMaxLength(10);
        });
        b.Entity<ApiKeyRecord>(e =>
        {
            e.ToTable("api_keys");
            e.HasIndex(k => k.Prefix).IsUnique();
            e.HasIndex(k => k.TenantId);
            e.Property(k => k.Prefix).HasMaxLength(32);
            e.Property(k => k.Name).HasMaxLength(200);
            e.Property(k => k.Scopes).HasMaxLength(64);
            e.HasOne<Tenant>().WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<UsageMonth>(e =>
        {
            e.ToTable("usage_months");
            e.HasKey(u => new { u.TenantId, u.Month });
            e.Property(u => u.Month).HasMaxLength(7);
            e.HasOne<Tenant>().WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<JobRecord>(e =>
        {
            e.ToTable("jobs");
            // Listing is per tenant, newest first; the status index serves re-enqueueing and retention.
            e.HasIndex(j => new { j.TenantId, j.CreatedAt });
            e.HasIndex(j => new { j.Status, j.FinishedAt });
            e.Property(j => j.Type).HasMaxLength(64);
            e.Property(j => j.Status).HasMaxLength(16);
            e.Property(j => j.Model).HasMaxLength(200);
            e.Property(j => j.Queue).HasMaxLength(64);
            e.Property(j => j.ReservedMonth).HasMaxLength(7);
            e.Property(j => j.ProgressUnit).HasMaxLength(64);
            e.Property(j => j.ErrorCode).HasMaxLength(64);
            e.Property(j => j.HangfireJobId).HasMaxLength(64);
            e.Property(j => j.IdempotencyKey).HasMaxLength(255);
            e.Property(j => j.TraceParent).HasMaxLength(128);
            // Rows written before black-box jobs were all metered in model tokens.
            e.Property(j => j.UsageUnit).HasMaxLength(32).HasDefaultValue(UsageUnits.ModelTokens);
            // One job per (tenant, key): the database, not a check-then-insert, keeps a replayed submission single.
            e.HasIndex(j => new { j.TenantId, j.IdempotencyKey }).IsUnique();
            e.HasOne<Tenant>().WithMany().HasForeignKey(j => j.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IdempotencyRecord>(e =>
        {
            e.ToTable("idempotency_records");
            e.HasKey(r => new { r.TenantId, r.Key });
            e.Property(r => r.Key).HasMaxLength(255);
            e.Property(r => r.RequestHash).HasMaxLength(64);
            e.HasIndex(r => r.CreatedAt);
        });
        b.Entity<DictionaryRecord>(e =>
        {
            e.ToTable("dictionaries");
            e.HasIndex(d => new { d.TenantId, d.CreatedAt });
            e.Property(d => d.Model).HasMaxLength(200);
            e.Property(d => d.HookPoint).HasMaxLength(128);
            e.Property(d => d.Name).HasMaxLength(200);
            e.HasOne<Tenant>().WithMany().HasForeignKey(d => d.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<RateWindow>(e =>
        {
            e.ToTable("rate_windows");
            e.HasKey(w => w.Bucket);
            e.Property(w => w.Bucket).HasMaxLength(200);
            // Pruning deletes by window start.
            e.HasIndex(w => w.WindowStart);
        });

        b.Entity<EndpointRecord>(e =>
        {
            e.ToTable("endpoints");
            // Listing is per tenant, newest first.
            e.HasIndex(x => new { x.TenantId, x.CreatedAt });
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.BaseUrl).HasMaxLength(2048);
            e.Property(x => x.Model).HasMaxLength(200);
            e.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<DataProtectionKey>(e => e.ToTable("data_protection_keys"));

        // snake_case columns, so the schema reads the same from psql as the API's JSON.
        foreach (var entity in b.Model.GetEntityTypes())
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
    }

    private static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
