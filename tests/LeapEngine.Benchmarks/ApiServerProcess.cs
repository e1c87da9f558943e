using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Benchmarks;

/// <summary>
/// LeapEngine's own API, started as a separate process in standalone mode (the embedded stories260K; SQLite in a
/// temporary folder, or a throwaway PostgreSQL cluster as the tests start one: the production shape), with a "bench" plan whose limits stay out of the way, and one tenant key on it. The benchmark talks
/// to it over real loopback HTTP, as a client would. Needs the Release build: dotnet build src/LeapEngine.Api -c Release.
/// </summary>
public sealed class ApiServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;
    private readonly PostgresServer? _postgres;

    private ApiServerProcess(Process process, string dataDir, PostgresServer? postgres, Uri baseUrl, string key)
    {
        _process = process;
        _dataDir = dataDir;
        _postgres = postgres;
        BaseUrl = baseUrl;
        Key = key;
    }

    /// <summary>The server root, e.g. http://127.0.0.1:PORT/.</summary>
    public Uri BaseUrl { get; }
    /// <summary>A key of a tenant on the bench plan.</summary>
    public string Key { get; }

    /// <summary>The server process's id (for a profiler: dotnet-trace collect -p ID).</summary>
    public int ProcessId => _process.Id;

    /// <summary>CPU time the server process has used so far (user + system, all its threads; /proc/PID/stat on Linux).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <param name="postgres">Run the API on a throwaway PostgreSQL cluster (the local server binaries) instead of SQLite.</param>
    public static async Task<ApiServerProcess> StartAsync(bool postgres = false)
    {
        var dll = Path.Combine(RepositoryRoot(), "src", "LeapEngine.Api", "bin", "Release", "net10.0", "linux-x64", "LeapEngine.Api.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is missing: build it first with `dotnet build src/LeapEngine.Api -c Release`");
        var dataDir = Directory.CreateTempSubdirectory("leap-bench-api-").FullName;
        int port = FreePort();
        string operatorKey = "bench-operator-" + Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["LEAP_DATA_DIR"] = dataDir;
        PostgresServer? cluster = null;
        if (postgres)
        {
            cluster = await PostgresServer.StartLocalAsync();
            start.Environment["Leap__Database__Provider"] = "postgres";
            start.Environment["Leap__Database__ConnectionString"] = await cluster.CreateDatabaseAsync("leapbench");
        }
        start.Environment["Leap__Api__OperatorKey"] = operatorKey;
        start.Environment["Leap__Api__BootstrapFreeKey"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in new[]
                 {
                     ("MaxPromptTokens", "4096"), ("RequestsPerMinute", "100000"), ("HeldConnections", "1000"),
                     ("ComputeTokensPerMonth", "2000000000"), ("JobsPerDay", "100000"), ("ConcurrentJobs", "50"),
                 })
            start.Environment[$"Leap__Plans__bench__{name}"] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the API process");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[api] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var root = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { BaseAddress = root };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the API process exited with {process.ExitCode} before it was ready");
            try
            {
                if ((await http.GetAsync("readyz")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the API process was not ready within 3 minutes");
            await Task.Delay(250);
        }

        http.DefaultRequestHeaders.Authorization = new("Bearer", operatorKey);
        var tenant = await (await http.PostAsJsonAsync("v1/admin/tenants", new { name = "bench", plan = "bench" })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonObject>();
        var key = await (await http.PostAsJsonAsync($"v1/admin/tenants/{tenant!["id"]}/keys", new { name = "bench" })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonObject>();
        return new ApiServerProcess(process, dataDir, cluster, root, key!["key"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("run the benchmark from the repository's build output (LeapEngine.sln not found above it)");
    }
}
