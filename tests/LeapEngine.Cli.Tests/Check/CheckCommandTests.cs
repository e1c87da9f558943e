using System.Text.Json.Nodes;
using System.Xml.Linq;
using LeapEngine.Cli.Tests.Server;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// `leap check` against a live standalone server started for this class, the way a pipeline runs it: a system prompt that
/// really drives stories260K's answer fails a max-share gate (exit 1) where an irrelevant one passes (exit 0), with JUnit,
/// JSON, GitHub annotations and the step summary; a changed system prompt drifts from the baseline; --local measures the
/// same figures; and what stops a check (wrong key, no server, bad config, an unknown endpoint, --timeout) is exit 2.
/// The prompts were found by measuring stories260K (greedy, 8 tokens, CPU: deterministic): the driving one moves the
/// completion to its cat (attribution_share ≈ 0.20, log_prob_drop ≈ 6.3), the irrelevant "Ok." barely registers (≈ 0.03).
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CheckCommandTests(StandaloneServer server) : IClassFixture<StandaloneServer>, IDisposable
{
    private const string KeyVariable = "LEAP_CHECK_TESTS_KEY";
    private const string Driving = "Lily loved her cat. The cat was named Tom. Lily and Tom";
    private const string Irrelevant = "Ok.";
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A one-case config gating on a maximum share; the system prompt sits in system.txt for span annotations.</summary>
    private string Config(string systemPrompt, string assertions = "  - attribution_share: {max: 0.1}", string name = "leap.yaml")
    {
        File.WriteAllText(_dir.Path("system.txt"), systemPrompt + "\n");
        return _dir.Write($$"""
            model: stories260K
            system_prompt_file: system.txt
            settings: {max_new_tokens: 8}
            assert:
            {{assertions}}
            cases:
              - name: one day
                user: "One day, she"
            """, name);
    }

    private Task<(int Code, string Out, string Err)> Leap(params string[] args)
    {
        Environment.SetEnvironmentVariable(KeyVariable, server.Key);
        return CliHarness.RunRawAsync(["check", .. args, "--api-url", server.Url, "--api-key-env", KeyVariable]);
    }

    private static async Task<T> WithEnvironment<T>(Dictionary<string, string?> variables, Func<Task<T>> body)
    {
        var old = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (k, v) in variables) Environment.SetEnvironmentVariable(k, v);
            return await body();
        }
        finally
        {
            foreach (var (k, v) in old) Environment.SetEnvironmentVariable(k, v);
        }
    }

    [Fact]
    public async Task A_driving_system_prompt_fails_a_max_share_gate_with_reports_and_an_irrelevant_one_passes()
    {
        var config = Config(Driving, "  - attribution_share: {max: 0.1}\n  - log_prob_drop: {max: 1.0}\n  - not_contains: \"dragon\"");
        var summary = _dir.Path("step-summary.md");
        var (code, output, err) = await WithEnvironment(new() { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = summary, ["GITHUB_WORKSPACE"] = _dir.Dir },
            () => Leap(config, "--junit", _dir.Path("junit.xml"), "--json", _dir.Path("result.json")));
        Assert.True(code == 1, $"exit {code}: {err}{output}{server.Log()}");
        Assert.Matches(@"FAIL  attribution_share ≤ 0\.1: attribution_share = 0\.\d+ is above max 0\.1", output);
        Assert.Contains("PASS  completion does not contain \"dragon\"", output);
        Assert.Contains("1 passed, 2 failed, 0 skipped", output);
        Assert.Contains("leap: case 1/1 one day: 2 failed", err);   // progress and per-case lines on stderr
        Assert.DoesNotContain("   at ", err);

        // GitHub: one annotation per failure, at the config line of the failing assertion; the table in the step summary.
        var annotations = output.Split('\n').Where(l => l.StartsWith("::error ")).ToList();
        Assert.Equal(2, annotations.Count);
        Assert.StartsWith("::error file=leap.yaml,line=5,col=5,title=leap check%3A one day%3A attribution_share ≤ 0.1::", annotations[0]);
        Assert.StartsWith("::error file=leap.yaml,line=6,col=5,title=leap check%3A one day%3A log_prob_drop ≤ 1::", annotations[1]);
        var table = await File.ReadAllTextAsync(summary);
        Assert.Contains("### leap check `leap.yaml`: failed", table);
        Assert.Contains("| one day | attribution_share ≤ 0.1 | ❌ fail |", table);
        Assert.Contains("| one day | completion does not contain \"dragon\" | ✅ pass |", table);

        // JUnit: parses, the common schema's structure, one testcase per assertion.
        var junit = XDocument.Load(_dir.Path("junit.xml"));
        JUnitSchema.AssertValid(junit);
        Assert.Equal(3, junit.Descendants("testcase").Count());
        Assert.Equal(2, junit.Descendants("failure").Count());

        var json = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("result.json")))!;
        Assert.Equal(1, json["exit_code"]!.GetValue<int>());
        var share = json["cases"]![0]!["figures"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "attribution_share")!["mean"]!.GetValue<double>();
        Assert.InRange(share, 0.15, 0.3);
        Assert.Contains("cat", json["cases"]![0]!["completions"]![0]!.GetValue<string>());   // the system prompt's cat drives it

        // The same gate with an irrelevant system prompt passes.
        (code, output, err) = await Leap(Config(Irrelevant, "  - attribution_share: {max: 0.1}\n  - log_prob_drop: {max: 1.0}"));
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Contains("2 passed, 0 failed", output);
        Assert.DoesNotContain("::error", output);   // not under GitHub Actions: no workflow commands
    }

    [Fact]
    public async Task A_span_assertion_points_into_the_system_prompt_file()
    {
        File.WriteAllText(_dir.Path("system.txt"), "Lily loved her cat.\nThe cat was named Tom.\nLily and Tom\n");
        var config = _dir.Write("""
            model: stories260K
            system_prompt_file: system.txt
            spans: {tom: "named Tom"}
            settings: {max_new_tokens: 8}
            cases:
              - name: one day
                user: "One day, she"
                assert:
                  - span_share: {span: tom, max: 0.001}
            """);
        var (code, output, err) = await WithEnvironment(new() { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = null, ["GITHUB_WORKSPACE"] = _dir.Dir },
            () => Leap(config));
        Assert.True(code == 1, $"exit {code}: {err}{output}");
        Assert.Contains("::error file=system.txt,line=2,col=13,title=leap check%3A one day%3A span_share%3Atom ≤ 0.001::span_share:tom = 0.", output);
    }

    [Fact]
    public async Task A_baseline_run_then_a_changed_system_prompt_is_flagged_as_drift()
    {
        const string loose = "  - attribution_share: {max: 1}";
        var config = Config(Irrelevant, loose);
        var (code, output, err) = await Leap(config, "--update-baseline");
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Contains($"baseline: updated {_dir.Path("leap.baseline.json")}", output);
        var baseline = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("leap.baseline.json")))!;
        Assert.Equal(1, baseline["leap_check_baseline"]!.GetValue<int>());
        Assert.Equal("one day", baseline["cases"]![0]!["name"]!.GetValue<string>());

        (code, output, err) = await Leap(config);   // unchanged: every figure within its band
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Contains("PASS  attribution_share matches baseline", output);
        Assert.Contains("PASS  log_prob_drop matches baseline", output);

        (code, output, err) = await Leap(Config(Driving, loose));   // the system prompt changed: its influence moved
        Assert.True(code == 1, $"exit {code}: {err}{output}");
        Assert.Contains("PASS  attribution_share ≤ 1", output);   // the fixed gate still passes: only the baseline sees it
        Assert.Matches(@"FAIL  attribution_share matches baseline: attribution_share drifted from 0\.0\d+ to 0\.\d+", output);
        Assert.Matches(@"FAIL  log_prob_drop matches baseline: log_prob_drop drifted from -?0\.\d+ to \d+\.\d+", output);
        Assert.Contains("the system prompt changed since", output);
    }

    [Fact]
    public async Task Local_runs_measure_the_same_figures_as_the_server()
    {
        var config = _dir.Write($$"""
            model: stories260K
            system_prompt: "{{Driving}}"
            spans: {cat: her cat}
            settings: {max_new_tokens: 6, unit: token}
            cases:
              - user: "One day, she"
                assert: [visible_share: {min: 0}, span_share: {span: cat, min: 0}]
              - messages: [{role: user, content: "Where is the cat?"}, {role: assistant, content: The cat}]
                completion: " is on the mat."
                assert: [log_prob_drop: {max: 100}]
            """);
        var (code, output, err) = await Leap(config, "--json", _dir.Path("server.json"));
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        (code, output, err) = await CliHarness.RunAsync("check", config, "--local", "--json", _dir.Path("local.json"));
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Contains(": local stories260K (itp, unit token", output);

        var onServer = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("server.json")))!["cases"]!.AsArray();
        var onLocal = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("local.json")))!["cases"]!.AsArray();
        Assert.Equal(2, onServer.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(onServer[i]!["completions"]!.ToJsonString(), onLocal[i]!["completions"]!.ToJsonString());
            var s = onServer[i]!["figures"]!.AsArray();
            var l = onLocal[i]!["figures"]!.AsArray();
            Assert.Equal(s.Count, l.Count);
            for (int f = 0; f < s.Count; f++)
                Assert.Equal(s[f]!["mean"]!.GetValue<double>(), l[f]!["mean"]!.GetValue<double>(), 6);
        }
        Assert.Equal(" is on the mat.", onServer[1]!["completions"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task What_stops_a_check_is_exit_2_with_a_clear_message()
    {
        var config = Config(Irrelevant);
        Environment.SetEnvironmentVariable(KeyVariable, server.Key);
        Environment.SetEnvironmentVariable("LEAP_CHECK_TESTS_WRONG_KEY", "leap_nottherealkey_0000000000000000000000000000000");
        var (code, output, err) = await CliHarness.RunRawAsync("check", config, "--api-url", server.Url, "--api-key-env", "LEAP_CHECK_TESTS_WRONG_KEY");
        Assert.Equal(2, code);
        Assert.Contains("refused the API key (401", err);
        Assert.Equal("", output);

        (code, _, err) = await WithEnvironment(new() { ["LEAP_API_URL"] = null }, () => CliHarness.RunRawAsync("check", config));
        Assert.Equal(2, code);
        Assert.Contains("no server: set LEAP_API_URL (e.g. http://127.0.0.1:8080) or give --api-url (or run the engine on this machine: leap check --local)", err);

        var nowhere = $"http://127.0.0.1:{StandaloneServer.FreePort()}";
        (code, _, err) = await CliHarness.RunRawAsync("check", config, "--api-url", nowhere, "--api-key-env", KeyVariable, "--retries", "1");
        Assert.Equal(2, code);
        Assert.Contains($"cannot reach the LeapEngine server at {nowhere}/", err);

        var bad = _dir.Write("model: stories260K\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - attribution_share: {max: 1.5}\n", "bad.yaml");
        (code, output, err) = await WithEnvironment(new() { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = null, ["GITHUB_WORKSPACE"] = _dir.Dir },
            () => Leap(bad));
        Assert.Equal(2, code);
        Assert.Contains($"leap: error: {bad}:6:28: attribution_share is a share of the attribution mass", err);
        Assert.StartsWith("::error file=bad.yaml,line=6,col=28,title=leap check%3A the config::", output);   // annotated at its line too

        (code, _, err) = await Leap(_dir.Write("model: no-such-model\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert: [contains: a]\n", "unserved.yaml"));
        Assert.Equal(2, code);
        Assert.Contains($"{_dir.Path("unserved.yaml")}:4:5: case 1: the server refused the case", err);
        Assert.Contains("no-such-model", err);

        (code, _, err) = await Leap(_dir.Write("endpoint: ep_123\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert: [contains: a]\n", "endpoint.yaml"));
        Assert.Equal(2, code);
        Assert.Contains("endpoint 'ep_123' was not found", err);   // endpoint targets: CheckEndpointTests

        var slow = _dir.Write($"model: stories260K\nsystem_prompt: \"{Driving}\"\nsettings: {{repeats: 20, max_new_tokens: 64}}\n" +
                              "cases:\n  - user: One day, she\n    assert: [contains: a]\n", "slow.yaml");
        (code, _, err) = await Leap(config);   // a warm server accepts a job at once (a cold one loads the model first)
        Assert.True(code == 0, err);
        (code, _, err) = await Leap(slow, "--timeout", "2");
        long gaveUpAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1;
        Assert.Equal(2, code);
        Assert.Contains("timed out after 2 s (--timeout); the check did not finish", err);
        // The job it was following is cancelled, not left to spend the tenant's quota.
        var listed = await server.Http.GetStringAsync("/v1/jobs?limit=3");
        var newest = JsonNode.Parse(listed)!["data"]!.AsArray().FirstOrDefault();
        Assert.True(newest is not null, $"no job after the timeout: {listed}\n{err}");
        var id = newest!["id"]!.GetValue<string>();
        JsonNode job = newest;
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(250))
            if ((job = JsonNode.Parse(await server.Http.GetStringAsync($"/v1/jobs/{id}"))!)["status"]!.GetValue<string>() is "cancelled" or "succeeded" or "failed")
                break;
        Assert.Equal(64, job["request"]!["max_new_tokens"]!.GetValue<int>());   // the slow config's job (the tests run one at a time)
        // Invariant: nothing the check started runs on after it gave up. The job it was following is cancelled, unless
        // (on a fast machine) that job had already finished before the check's cancel reached it.
        var status = job["status"]!.GetValue<string>();
        Assert.True(status == "cancelled" || (status == "succeeded" && job["finished_at"]!.GetValue<long>() <= gaveUpAt),
            $"the followed job ended {status} at {job["finished_at"]}, after the check gave up at {gaveUpAt}");
    }
}
