using System.Collections.Concurrent;
using LeapEngine.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>LeapEngine's data services alone (no API host) on a given database, as the API and the workers register them.</summary>
public static class DataServices
{
    public static ServiceProvider Build(string provider, string connectionString, ILoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Leap:Database:Provider"] = provider,
            ["Leap:Database:ConnectionString"] = connectionString,
        }).Build();
        return new ServiceCollection().AddLogging(b => { if (logs is not null) b.AddProvider(logs); })
            .AddSingleton<IConfiguration>(configuration).AddLeapData(configuration).BuildServiceProvider();
    }

    /// <summary>Runs the migrator every process runs at start.</summary>
    public static async Task MigrateAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>().Where(h => h.GetType().Name == "DatabaseMigrator"))
            await hosted.StartAsync(CancellationToken.None);
    }
}

/// <summary>Every log entry at warning or above, from any category: what an operator's alerts watch.</summary>
public sealed class WarningsAndAbove : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}
