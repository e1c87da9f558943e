using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LeapEngine.Data;

/// <summary>What a database error means, for both providers.</summary>
public static class DbErrors
{
    /// <summary>A unique index refused the write (PostgreSQL 23505, SQLite constraint 19 on a unique index).</summary>
    public static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException s => s.SqliteErrorCode == 19 && s.Message.Contains("UNIQUE", StringComparison.Ordinal),
        _ => false,
    };
}
