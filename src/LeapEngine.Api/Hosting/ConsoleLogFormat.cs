using LeapEngine.Data;

namespace LeapEngine.Api.Hosting;

/// <summary>
/// Picks the console log format from the deployment's shape unless the operator chose one
/// (<c>Logging:Console:FormatterName</c>: simple, json or systemd): one JSON object per line on PostgreSQL,
/// where the API runs beside workers and logs go to a collector; one readable line per event in the
/// standalone (SQLite) mode, where a person reads the terminal.
/// </summary>
internal static class ConsoleLogFormat
{
    public const string FormatterKey = "Logging:Console:FormatterName";

    public static void Apply(IConfigurationManager configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[FormatterKey])) return;
        var data = configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        var settings = data.IsPostgres
            ? new Dictionary<string, string?>
            {
                [FormatterKey] = "json",
                ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
            }
            : new Dictionary<string, string?>
            {
                [FormatterKey] = "simple",
                ["Logging:Console:FormatterOptions:SingleLine"] = "true",
                ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss ",
            };
        // Only keys the operator left unset: an explicit FormatterOptions value still wins.
        foreach (var (key, value) in settings)
            if (string.IsNullOrEmpty(configuration[key])) configuration[key] = value;
    }
}
