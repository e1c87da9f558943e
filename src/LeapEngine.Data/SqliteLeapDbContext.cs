using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LeapEngine.Data;

/// <summary>
/// SQLite flavour for the standalone mode; its migrations live in Migrations/Sqlite. SQLite
/// keeps no DateTime kind, so values are marked UTC again on the way out.
/// </summary>
public sealed class SqliteLeapDbContext(DbContextOptions<SqliteLeapDbContext> options) : LeapDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        builder.Properties<DateTime>().HaveConversion<UtcConverter>();
        builder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.ToUniversalTime(), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
