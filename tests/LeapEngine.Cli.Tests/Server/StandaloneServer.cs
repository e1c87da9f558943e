using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests.Server;

/// <summary>
/// A real LeapEngine API in standalone mode (SQLite in a temporary folder, in-process worker, the shared models), started
/// once for a test class as a separate process, the way a pipeline's `leap` meets a server. Its free-tier key is read
/// from the first start's banner.
/// </summary>
public class StandaloneServer : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("leap-cli-server-").FullName;
    private ChildProcess? _process;

    public string Url { get; private set; } = "";
    public string Key { get; private set; } = "";
    public HttpClient Http { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        int port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>
        {
            ["LEAP_DATA_DIR"] = _dataDir,
            ["LEAP_MODELS_DIR"] = SharedFiles.ModelsDir,
            ["ASPNETCORE_URLS"] = Url,
        };
        foreach (var (name, value) in Settings()) environment[name] = value;
        _process = ChildProcess.Start("LeapEngine.Api", environment);
        await _process.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(120));
        Key = Regex.Match(_process.Output(), @"free-tier key:\s+(\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(Key), $"the first start printed no key: {_process.Output()}");
        Http = new HttpClient { BaseAddress = new Uri(Url) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
    }

    /// <summary>Operator settings a derived server adds (environment variables, e.g. Leap__Outbound__AllowedRanges__0).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings() => new Dictionary<string, string>();

    /// <summary>Submits a job the way a pipeline would (curl, an SDK) and returns its id.</summary>
    public async Task<string> SubmitAsync(string route, object body)
    {
        using var response = await Http.PostAsJsonAsync(route, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{route}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    public string Log() => _process?.Output() ?? "";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task DisposeAsync()
    {
        Http?.Dispose();
        _process?.Dispose();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
