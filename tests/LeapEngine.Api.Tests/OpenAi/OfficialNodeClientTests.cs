using System.Diagnostics;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using static LeapEngine.Api.Tests.OpenAi.OpenAiWire;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>
/// The official openai npm package, unchanged, run by node against the API on a real socket (OpenAi/Node/client.mjs).
/// The package is installed at test time with npm ci from the committed lock file into the test's output folder
/// (node_modules there is reused by later runs), so a fresh clone needs only node and npm.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OfficialNodeClientTests(ApiFixture api)
{
    private const string Prompt = "The cat sat on the mat.";
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "OpenAi", "Node");

    [Fact]
    public async Task The_npm_client_lists_chats_streams_scores_and_gets_errors()
    {
        await InstallAsync();
        var factory = await api.KestrelApiAsync();
        var tenant = await ApiFixture.NewTenantAsync(factory, "test");
        var baseUrl = new Uri(factory.CreateClient().BaseAddress!, "/v1").ToString();
        var (code, stdout, stderr) = await RunAsync("node", "client.mjs", TimeSpan.FromMinutes(2),
            new() { ["LEAP_BASE_URL"] = baseUrl, ["LEAP_API_KEY"] = tenant.Key, ["LEAP_PROMPT"] = Prompt });
        Assert.True(code == 0, $"node exited {code}: {stderr}");
        var seen = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;

        Assert.Contains("stories260K", seen["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Contains(LeapApiFactory.HiddenAlias, seen["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        var chat = seen["chat"]!;
        Assert.False(string.IsNullOrEmpty(chat["text"]!.GetValue<string>()));
        Assert.All(chat["logprobs"]!.AsArray(), t => Assert.Equal(3, t!["top"]!.GetValue<int>()));
        Assert.Equal(chat["text"]!.GetValue<string>(), seen["stream"]!["text"]!.GetValue<string>());
        Assert.Equal(chat["usage"]!["total_tokens"]!.GetValue<int>(), seen["stream"]!["usage"]!["total_tokens"]!.GetValue<int>());

        Assert.Equal(Prompt, seen["completion"]!["text"]!.GetValue<string>());
        var served = seen["completion"]!["token_logprobs"]!.AsArray();
        var ids = Encode(Prompt);
        var expected = ForwardLogProbs(ids);
        Assert.Null(served[0]);
        for (int i = 1; i < ids.Length; i++) Assert.Equal(expected[i - 1][ids[i]], served[i]!.GetValue<float>(), 4);

        var error = seen["error"]!;
        Assert.Equal("BadRequestError", error["name"]!.GetValue<string>());
        Assert.Equal(400, error["status"]!.GetValue<int>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("temperature", error["param"]!.GetValue<string>());
    }

    /// <summary>npm ci from the lock file, once per output folder.</summary>
    private static async Task InstallAsync()
    {
        if (File.Exists(Path.Combine(Folder, "node_modules", "openai", "package.json"))) return;
        var (code, _, stderr) = await RunAsync("npm", "ci --no-audit --no-fund", TimeSpan.FromMinutes(4), []);
        Assert.True(code == 0, $"npm ci failed ({code}); the npm registry must be reachable: {stderr}");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string arguments, TimeSpan timeout,
        Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} ran past {timeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
