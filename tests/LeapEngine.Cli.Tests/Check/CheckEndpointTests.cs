using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Cli.Tests.Server;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// A standalone server whose operator lets endpoints reach loopback (so a tenant can register the server's own /v1 routes
/// as an endpoint, as a vLLM beside it would be) and whose free tier is not rate-limited (every endpoint call is a request
/// under the same key). The endpoint, stories260K behind LeapEngine's own OpenAI-compatible routes, is registered once.
/// </summary>
public sealed class EndpointServer : StandaloneServer
{
    public string EndpointId { get; private set; } = "";

    protected override IReadOnlyDictionary<string, string> Settings() => new Dictionary<string, string>
    {
        ["Leap__Outbound__AllowedRanges__0"] = "127.0.0.0/8",
        ["Leap__Plans__free__RequestsPerMinute"] = "100000",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var created = await Http.PostAsJsonAsync("/v1/endpoints", new { base_url = $"{Url}/v1", model = "stories260K", api_key = Key, max_concurrency = 2 });
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        EndpointId = JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }
}

/// <summary>
/// `leap check` with endpoint targets against a live server: a registered endpoint (endpoint: ep_…) runs as black-box
/// attribution jobs on the server, an inline one ({base_url, api_key_env, model}) with --local runs Core's black-box engine
/// here; both gate as a model target does (the prompt that drives stories260K fails a max-share gate, exit 1; an irrelevant
/// one passes, exit 0), report the scoring mode and the endpoint calls, and measure the same figures. Every combination
/// that cannot run is exit 2 saying what to do. `leap attribute --server --endpoint ep_…` (here, to share the server) runs
/// the same attribution as a job and prints what the local black-box path prints.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CheckEndpointTests(EndpointServer server) : IClassFixture<EndpointServer>, IDisposable
{
    private const string KeyVariable = "LEAP_CHECK_ENDPOINT_TESTS_KEY";
    private const string Driving = "Lily loved her cat. The cat was named Tom. Lily and Tom";
    private const string Irrelevant = "Ok.";
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Config(string target, string systemPrompt, string name) => _dir.Write($$"""
        {{target}}
        system_prompt: "{{systemPrompt}}"
        settings: {max_new_tokens: 8}
        assert:
          - attribution_share: {max: 0.1}
        cases:
          - name: one day
            user: "One day, she"
        """, name);

    private string Registered(string systemPrompt, string name = "leap.yaml") => Config($"endpoint: {server.EndpointId}", systemPrompt, name);

    private string Inline(string systemPrompt, string name = "inline.yaml") =>
        Config($"endpoint: {{base_url: '{server.Url}/v1', api_key_env: {KeyVariable}, model: stories260K}}", systemPrompt, name);

    private Task<(int Code, string Out, string Err)> Leap(params string[] args)
    {
        Environment.SetEnvironmentVariable(KeyVariable, server.Key);
        return CliHarness.RunRawAsync(["check", .. args, "--api-url", server.Url, "--api-key-env", KeyVariable]);
    }

    private static double Figure(string jsonFile, string name) =>
        JsonNode.Parse(File.ReadAllText(jsonFile))!["cases"]![0]!["figures"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == name)!["mean"]!.GetValue<double>();

    [Trait("Category", "Slow")]   // every endpoint call runs stories260K through the server's own routes
    [Fact]
    public async Task A_registered_endpoint_gates_on_the_server_an_inline_one_gates_locally_and_both_measure_the_same()
    {
        var (code, output, err) = await Leap(Registered(Driving), "--json", _dir.Path("server.json"));
        Assert.True(code == 1, $"exit {code}: {err}{output}{server.Log()}");
        Assert.Contains($"{server.Url}/ endpoint {server.EndpointId}", output);
        Assert.Matches(@"black-box: scoring teacher_forced \(asked: auto\), \d+ endpoint calls", output);
        Assert.Matches(@"FAIL  attribution_share ≤ 0\.1: attribution_share = 0\.\d+ is above max 0\.1", output);
        Assert.Matches(@"leap: case 1/1 one day: 1 failed \(.* s; teacher_forced, \d+ endpoint calls\)", err);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("server.json")))!;
        Assert.Equal("teacher_forced", json["scoring_mode"]!.GetValue<string>());
        Assert.True(json["endpoint_calls"]!.GetValue<long>() > 10);
        Assert.Contains(json["cases"]![0]!["figures"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "explained_share");

        // The same endpoint inline, called from this process with the key from the named variable: the same figures.
        (code, output, err) = await Leap(Inline(Driving), "--local", "--json", _dir.Path("local.json"));
        Assert.True(code == 1, $"exit {code}: {err}{output}");
        Assert.Contains($"local → {server.Url}/v1 model stories260K (probed in", output);
        Assert.DoesNotContain(server.Key, output + err);
        foreach (var figure in new[] { "attribution_share", "log_prob_drop", "visible_share", "explained_share" })
            Assert.Equal(Figure(_dir.Path("server.json"), figure), Figure(_dir.Path("local.json"), figure), 1e-6);

        // An irrelevant system prompt passes, and its figures become the baseline.
        var irrelevant = Registered(Irrelevant, "irrelevant.yaml");
        (code, output, err) = await Leap(irrelevant, "--update-baseline");
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        var baseline = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("irrelevant.baseline.json")))!;
        Assert.Equal($"endpoint:{server.EndpointId}", baseline["target"]!.GetValue<string>());
        Assert.Equal("teacher_forced", baseline["scoring_mode"]!.GetValue<string>());

        // That baseline against a model target (the same model, white-box) is a mismatch, not drift.
        File.WriteAllText(irrelevant, File.ReadAllText(irrelevant).Replace($"endpoint: {server.EndpointId}", "model: stories260K"));
        (code, _, err) = await Leap(irrelevant);
        Assert.Equal(2, code);
        Assert.Contains("was measured against an endpoint", err);
        Assert.Contains("a white-box and a black-box measurement are not comparable", err);
    }

    [Fact]
    public async Task What_cannot_run_is_exit_2_saying_what_to_do()
    {
        // An inline endpoint on the server: the server's jobs take registered endpoints only (their keys are stored there).
        var (code, _, err) = await Leap(Inline(Irrelevant));
        Assert.Equal(2, code);
        Assert.Contains($"{_dir.Path("inline.yaml")}:1:1: an inline endpoint runs only with --local", err);
        Assert.Contains("POST /v1/endpoints", err);

        // A registered endpoint with --local: its key is on the server.
        (code, _, err) = await Leap(Registered(Irrelevant), "--local");
        Assert.Equal(2, code);
        Assert.Contains($"endpoint: {server.EndpointId} is registered on a LeapEngine server, which holds its key; --local", err);

        // --local with the key's variable unset: at the api_key_env value.
        var inline = Inline(Irrelevant, "unset.yaml");
        File.WriteAllText(inline, File.ReadAllText(inline).Replace(KeyVariable, "LEAP_CHECK_NO_SUCH_VARIABLE"));
        (code, _, err) = await Leap(inline, "--local");
        Assert.Equal(2, code);
        Assert.Contains($"{inline}:1:", err);
        Assert.Contains("endpoint.api_key_env: the environment variable LEAP_CHECK_NO_SUCH_VARIABLE is not set or is empty", err);

        // An endpoint id the tenant does not have: the server's 404, exit 2.
        (code, _, err) = await Leap(Config("endpoint: ep_00000000000000000000000000000000", Irrelevant, "unknown.yaml"));
        Assert.Equal(2, code);
        Assert.Contains("endpoint 'ep_00000000000000000000000000000000' was not found", err);
    }

    [Trait("Category", "Slow")]   // two black-box attributions through the server's own routes (sentence units: 4, to keep it short)
    [Fact]
    public async Task Attribute_on_the_server_equals_attribute_from_here_against_the_same_endpoint()
    {
        var messages = _dir.Path("messages.json");
        await File.WriteAllTextAsync(messages, $$"""{"messages": [{"role": "system", "content": "{{Driving}}"}, {"role": "user", "content": "One day, she"}], "completion": " saw a cat"}""");
        Environment.SetEnvironmentVariable(KeyVariable, server.Key);
        var (code, onServer, err) = await CliHarness.RunRawAsync("attribute", "--server", "--endpoint", server.EndpointId, "--messages", messages,
            "--unit", "sentence", "--api-url", server.Url, "--api-key-env", KeyVariable, "--json", _dir.Path("server.json"));
        Assert.True(code == 0, $"exit {code}: {err}{onServer}{server.Log()}");
        Assert.Matches(@"job job_\w+ on http://127\.0\.0\.1:\d+/", onServer);
        Assert.Contains("scoring teacher_forced", onServer);
        Assert.Contains("system messages: removing them drops the completion by", onServer);
        var sent = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("server.json")))!;
        Assert.Equal("black_box", sent["kind"]!.GetValue<string>());   // --json with --server: the API's result as sent
        Assert.Equal(server.EndpointId, sent["endpoint"]!.GetValue<string>());

        (code, var here, err) = await CliHarness.RunRawAsync("attribute", "--endpoint", $"{server.Url}/v1", "--endpoint-model", "stories260K",
            "--api-key-env", KeyVariable, "--messages", messages, "--unit", "sentence", "--json", _dir.Path("here.json"));
        Assert.True(code == 0, $"exit {code}: {err}{here}");
        var local = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("here.json")))!;
        var (a, b) = (sent["units"]!.AsArray(), local["units"]!.AsArray());
        Assert.Equal(b.Count, a.Count);
        for (int i = 0; i < a.Count; i++)
            Assert.Equal(b[i]!["score"]!.GetValue<double>(), a[i]!["score"]!.GetValue<double>(), 1e-6);
        Assert.Contains(a, u => Math.Abs(u!["score"]!.GetValue<double>()) > 0.01);   // the comparison says something
        // The printed reports agree but for the first line (the server names the endpoint by its id) and the job line.
        static IEnumerable<string> Body(string text) => text.Split('\n').SkipWhile(l => !l.StartsWith("scoring ")).Where(l => !l.StartsWith("wrote ") && !l.StartsWith("calls "));
        Assert.Equal(Body(here), Body(onServer));
    }
}
