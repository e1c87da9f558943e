using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the functional tests: LEAP_TEST_POSTGRES (a connection string to a
/// server whose user may create databases) when set, else a throwaway cluster started from the
/// local server binaries (/usr/lib/postgresql/*/bin) on a free loopback port and removed after.
/// initdb refuses to run as root, so as root the cluster belongs to the postgres user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string? _dataDir;
    private readonly string? _binDir;
    private readonly bool _asPostgresUser;

    private PostgresServer(string adminConnectionString, string? dataDir, string? binDir, bool asPostgresUser)
    {
        AdminConnectionString = adminConnectionString;
        _dataDir = dataDir;
        _binDir = binDir;
        _asPostgresUser = asPostgresUser;
    }

    public string AdminConnectionString { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("LEAP_TEST_POSTGRES") is { Length: > 0 } given)
            return new PostgresServer(given, null, null, false);
        return await StartLocalAsync();
    }

    /// <summary>A private cluster from the local binaries, whatever LEAP_TEST_POSTGRES says (tests that stop the server need one).</summary>
    public static async Task<PostgresServer> StartLocalAsync()
    {
        var binDir = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (binDir is null)
            throw new InvalidOperationException("PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin; " +
                                                "install postgresql (apt-get install postgresql) or set LEAP_TEST_POSTGRES");
        bool root = Environment.UserName == "root";
        var dataDir = Path.Combine(Path.GetTempPath(), $"leap-pg-{Guid.NewGuid():N}");
        var socketDir = dataDir + "-sock";
        Directory.CreateDirectory(dataDir);
        Directory.CreateDirectory(socketDir);
        if (root)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", dataDir, socketDir]);
        }
        int port = FreePort();
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=15",
            dataDir, binDir, root);
        await server.RunPgAsync("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        // Durability is irrelevant for a throwaway cluster; speed is not.
        server._startOptions = $"-p {port} -k {socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
                               "-c full_page_writes=off -c max_connections=400";
        await server.StartServerAsync();
        return server;
    }

    private string? _startOptions;

    /// <summary>Starts the (stopped) local cluster again.</summary>
    public Task StartServerAsync() =>
        RunPgAsync("pg_ctl", ["-D", _dataDir!, "-w", "-t", "60", "-l", Path.Combine(_dataDir!, "server.log"), "-o", _startOptions!, "start"]);

    /// <summary>
    /// Stops the local cluster, dropping every connection (an outage, as clients see it). A fast,
    /// clean shutdown: with fsync and synchronous commit off, an immediate one could lose data.
    /// </summary>
    public Task StopServerAsync() => RunPgAsync("pg_ctl", ["-D", _dataDir!, "-m", "fast", "-w", "stop"]);

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
            await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 60 }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_dataDir is null) return;
        try { await RunPgAsync("pg_ctl", ["-D", _dataDir, "-m", "immediate", "-w", "stop"]); }
        catch (InvalidOperationException) { /* already gone */ }
        TryDelete(_dataDir);
        TryDelete(_dataDir + "-sock");
    }

    private Task RunPgAsync(string tool, string[] args) =>
        _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_binDir!, tool), .. args])
            : RunAsync(Path.Combine(_binDir!, tool), args);

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr} {await stdout}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
