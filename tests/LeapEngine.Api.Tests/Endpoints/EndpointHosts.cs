using System.Collections.Concurrent;
using System.Net;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.BlackBox.Outbound;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeapEngine.Api.Tests.Endpoints;

/// <summary>
/// The APIs the endpoint tests need beyond the shared one, built once and kept to the end (see ApiFixture):
/// <list type="bullet">
/// <item><see cref="Main"/>: on real Kestrel (so it can probe its own /v1 routes over a socket), loopback allowed
/// (127.0.0.0/8, as an operator would allow a cluster range), a host resolver the tests script, every log line of
/// every category at Trace captured, and EF Core's sensitive data logging on (SQL parameter values in the log);</item>
/// <item><see cref="Second"/>: another API process on the same PostgreSQL database (a replica; the worker shares the
/// key ring the same way);</item>
/// <item><see cref="Sqlite"/>: the standalone mode's database, a file of its own.</item>
/// </list>
/// </summary>
public sealed class EndpointHosts : IAsyncDisposable
{
    public const string PrivateHost = "private.endpoints.test";
    public const string RebindingHost = "rebind.endpoints.test";

    private EndpointHosts(string connection, string sqlitePath)
    {
        MainConnectionString = connection;
        SqlitePath = sqlitePath;
    }

    public LeapApiFactory Main { get; private set; } = null!;
    public LeapApiFactory Second { get; private set; } = null!;
    public LeapApiFactory Sqlite { get; private set; } = null!;
    public string MainConnectionString { get; }
    public string SqlitePath { get; }
    public LogCapture Logs { get; } = new();
    public ScriptedResolver Resolver { get; } = new();

    /// <summary>The base address Kestrel listens on (http://127.0.0.1:port/).</summary>
    public Uri MainAddress => Main.ClientOptions.BaseAddress;

    public static async Task<EndpointHosts> StartAsync(PostgresServer postgres)
    {
        var hosts = new EndpointHosts(await postgres.CreateDatabaseAsync("leap_endpoints"),
            Path.Combine(Path.GetTempPath(), $"leap-endpoints-{Guid.NewGuid():N}.db"));
        var settings = new Dictionary<string, string>
        {
            ["Leap:Outbound:AllowedRanges:0"] = "127.0.0.0/8",
            ["Leap:Outbound:ProbeTimeoutSeconds"] = "120",
            ["Logging:Capture:LogLevel:Default"] = "Trace",
        };
        hosts.Main = new LeapApiFactory(hosts.MainConnectionString, runWorkerInProcess: false, stepDelayMs: 0, settings, s =>
        {
            s.AddSingleton<ILoggerProvider>(hosts.Logs);
            s.AddSingleton<IHostResolver>(hosts.Resolver);
            s.ConfigureDbContext<PostgresLeapDbContext>(o => o.EnableSensitiveDataLogging());
        });
        hosts.Main.UseKestrel(0);
        hosts.Main.StartServer();
        hosts.Second = new LeapApiFactory(hosts.MainConnectionString, runWorkerInProcess: false, stepDelayMs: 0, settings);
        hosts.Sqlite = new LeapApiFactory("", runWorkerInProcess: false, stepDelayMs: 0, new Dictionary<string, string>(settings)
        {
            ["Leap:Database:Provider"] = "sqlite",
            ["Leap:Database:ConnectionString"] = $"Data Source={hosts.SqlitePath}",
        }, s =>
        {
            s.AddSingleton<ILoggerProvider>(hosts.Logs);
            s.AddSingleton<IHostResolver>(hosts.Resolver);
            s.ConfigureDbContext<SqliteLeapDbContext>(o => o.EnableSensitiveDataLogging());
        });
        return hosts;
    }

    public async ValueTask DisposeAsync()
    {
        await Sqlite.DisposeAsync();
        await Second.DisposeAsync();
        await Main.DisposeAsync();
        foreach (var file in new[] { SqlitePath, SqlitePath + "-wal", SqlitePath + "-shm" })
            if (File.Exists(file)) File.Delete(file);
    }
}

/// <summary>Every log line of every category (message, structured values, exception), for the tests that look for secrets in them.</summary>
[ProviderAlias("Capture")]
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>
/// A host resolver the tests script: <see cref="EndpointHosts.PrivateHost"/> always resolves to a private address;
/// <see cref="EndpointHosts.RebindingHost"/> to a public one the first time (registration) and to the cloud metadata
/// address after (DNS rebinding); every other name through the system resolver.
/// </summary>
public sealed class ScriptedResolver : IHostResolver
{
    private int _rebindLookups;

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => host switch
    {
        EndpointHosts.PrivateHost => Task.FromResult(new[] { IPAddress.Parse("10.20.30.40") }),
        EndpointHosts.RebindingHost => Task.FromResult(new[]
        {
            Interlocked.Increment(ref _rebindLookups) == 1 ? IPAddress.Parse("93.184.216.34") : IPAddress.Parse("169.254.169.254"),
        }),
        _ => DnsHostResolver.Instance.ResolveAsync(host, ct),
    };
}
