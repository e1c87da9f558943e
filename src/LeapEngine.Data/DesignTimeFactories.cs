using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LeapEngine.Data;

// Used only by `dotnet ef migrations add` (see docs/api.md, "Schema changes"); no database is contacted.
internal sealed class PostgresDesignFactory : IDesignTimeDbContextFactory<PostgresLeapDbContext>
{
    public PostgresLeapDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresLeapDbContext>().UseNpgsql("Host=localhost;Database=leap").Options);
}

internal sealed class SqliteDesignFactory : IDesignTimeDbContextFactory<SqliteLeapDbContext>
{
    public SqliteLeapDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteLeapDbContext>().UseSqlite("Data Source=design.db").Options);
}
