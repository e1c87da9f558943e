using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Data;

/// <summary>PostgreSQL flavour (production); its migrations live in Migrations/Postgres.</summary>
public sealed class PostgresLeapDbContext(DbContextOptions<PostgresLeapDbContext> options) : LeapDbContext(options);
