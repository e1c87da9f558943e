using System.Net.Http.Headers;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// Real API and worker processes on one PostgreSQL database, as a cluster runs them: API replicas on
/// ports of their own (no in-process worker), workers per model class. Disposing kills what is left.
/// </summary>
internal sealed class Cluster(string connection) : IDisposable
{
    /// <summary>Short intervals so the test sees hand-overs quickly; what production sets is in docs/production.md.</summary>
    public const double PollSeconds = 0.2;

    /// <summary>Timestamps on every log line: a failing test's logs show where the time went.</summary>
    private const string TimestampFormat = "HH:mm:ss.fff ";

    private readonly List<ChildProcess> _processes = [];

    public string Connection { get; } = connection;

    public static async Task<Cluster> StartAsync(PostgresServer postgres, string name) => new(await postgres.CreateDatabaseAsync(name));

    /// <summary>An API replica; returns once it listens.</summary>
    public async Task<Replica> StartApiAsync()
    {
        int port = PostgresServer.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Leap__Database__Provider"] = "postgres",
            ["Leap__Database__ConnectionString"] = Connection,
            ["Leap__Api__RunWorkerInProcess"] = "false",
            ["Leap__Api__OperatorKey"] = LeapApiFactory.OperatorKey,
            ["Leap__Api__BootstrapFreeKey"] = "false",
            ["Leap__Api__OperatorRequestsPerMinute"] = "1000000",
            ["Leap__Models__ModelsDir"] = SharedFiles.ModelsDir,
            ["Leap__Jobs__QueuePollIntervalSeconds"] = PollSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Leap__Jobs__IdempotencyTakeoverSeconds"] = "2",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = TimestampFormat,
        };
        foreach (var (key, value) in LeapApiFactory.Settings) environment[key.Replace(":", "__")] = value;
        var process = Track(ChildProcess.Start("LeapEngine.Api", environment));
        await process.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(90));
        return new Replica(process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>A worker for <paramref name="classes"/> (stories260K is class small, stories260K-hf class hf).</summary>
    public ChildProcess StartWorker(string[] classes, int stepDelayMs, double graceSeconds, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Leap__Database__Provider"] = "postgres",
            ["Leap__Database__ConnectionString"] = Connection,
            ["Leap__Models__ModelsDir"] = SharedFiles.ModelsDir,
            ["Leap__Models__Served__0__Id"] = "stories260K",
            ["Leap__Models__Served__0__Class"] = "small",
            ["Leap__Models__Served__1__Id"] = "stories260K-hf",
            ["Leap__Models__Served__1__Class"] = LeapApiFactory.HfClass,
            ["Leap__Jobs__QueuePollIntervalSeconds"] = PollSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Leap__Jobs__ProgressIntervalMs"] = "100",
            ["Leap__Jobs__StepDelayMs"] = stepDelayMs.ToString(),
            ["Leap__Jobs__WorkerCount"] = "2",
            ["Leap__Jobs__ShutdownGraceSeconds"] = graceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging__Console__FormatterOptions__TimestampFormat"] = TimestampFormat,
        };
        for (int i = 0; i < classes.Length; i++) environment[$"Leap__Jobs__Classes__{i}"] = classes[i];
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        return Track(ChildProcess.Start("LeapEngine.Worker", environment));
    }

    /// <summary>The cluster's database as the processes see it, for assertions on rows the API does not show.</summary>
    public LeapDbContext Database() =>
        new PostgresLeapDbContext(new DbContextOptionsBuilder<PostgresLeapDbContext>().UseNpgsql(Connection).Options);

    private ChildProcess Track(ChildProcess process)
    {
        lock (_processes) _processes.Add(process);
        return process;
    }

    /// <summary>Every process's output, for a failing test's message.</summary>
    public string Output()
    {
        lock (_processes) return string.Join("\n----\n", _processes.Select(p => p.Output()));
    }

    public void Dispose()
    {
        lock (_processes) foreach (var p in _processes) p.Dispose();
    }
}

/// <summary>One API replica of a <see cref="Cluster"/>: its process and clients for it.</summary>
internal sealed record Replica(ChildProcess Process, Uri Address)
{
    public HttpClient Client(string? key)
    {
        var c = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return c;
    }

    /// <summary>A new tenant on <paramref name="plan"/>, created through this replica.</summary>
    public Task<Tenant> NewTenantAsync(string plan) => ApiFixture.NewTenantAsync(Client(LeapApiFactory.OperatorKey), plan, key => Client(key));
}
