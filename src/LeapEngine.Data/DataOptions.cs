using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Data;

/// <summary>Where the engine keeps its state (section Leap:Database).</summary>
public sealed class DataOptions
{
    public const string Section = "Leap:Database";

    /// <summary>"postgres" (production, shared by API and workers) or "sqlite" (standalone, one process).</summary>
    [Required, RegularExpression("^(postgres|sqlite)$", ErrorMessage = "Leap:Database:Provider must be 'postgres' or 'sqlite'")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>Connection string; for sqlite empty means {LEAP_DATA_DIR or ~/.local/share/leapengine}/leap.db.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Finished jobs (and their results) older than this are deleted; 0 keeps them forever.</summary>
    [Range(0, 3650)]
    public int RetentionDays { get; set; } = 30;

    public bool IsPostgres => Provider == "postgres";

    public string ResolvedConnectionString()
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString)) return ConnectionString;
        if (IsPostgres) throw new InvalidOperationException("Leap:Database:ConnectionString is required for the postgres provider");
        var dir = Environment.GetEnvironmentVariable("LEAP_DATA_DIR") is { Length: > 0 } d
            ? d : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "leapengine");
        Directory.CreateDirectory(dir);
        return $"Data Source={Path.Combine(dir, "leap.db")}";
    }
}
