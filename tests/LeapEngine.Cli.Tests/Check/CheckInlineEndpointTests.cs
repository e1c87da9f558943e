using System.Text.Json.Nodes;
using LeapEngine.Core.Tests.BlackBox;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// `leap check --local` with an inline endpoint that behaves like today's OpenAI chat API (top_logprobs ≤ 20, no echo, no
/// prompt log-probs): the check runs in regenerate_top_logprobs mode and says so, gates on the figures (a passing and a
/// failing run), never shows the key, and a case the endpoint cannot score is a config error at the case.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CheckInlineEndpointTests : IDisposable
{
    private const string KeyVariable = "LEAP_CHECK_INLINE_TESTS_KEY";
    private const string Key = "sk-inline-check-0123456789";
    private readonly TempConfig _dir = new();
    private readonly OpenAiChatDouble _chat = new();
    private readonly HandlerServer _server;

    public CheckInlineEndpointTests() => _server = new HandlerServer(_chat);

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    private string Config(string assertions, string caseExtra = "") => _dir.Write($$"""
        endpoint: {base_url: '{{_server.BaseUrl}}', api_key_env: {{KeyVariable}}, model: double}
        system_prompt: "You answer geography questions."
        settings: {max_new_tokens: 5}
        cases:
          - name: capital
            user: "What is the capital of France?"{{caseExtra}}
            assert:
        {{assertions}}
        """);

    private async Task<(int Code, string Out, string Err)> LocalAsync(string config, params string[] more)
    {
        Environment.SetEnvironmentVariable(KeyVariable, Key);
        return await CliHarness.RunRawAsync(["check", config, "--local", .. more]);
    }

    [Fact]
    public async Task An_openai_chat_like_endpoint_is_scored_by_regeneration_and_gated_on_its_figures()
    {
        // The double ignores system messages: the system prompt has no influence, the user's "France?" all of it.
        var passing = Config("      - attribution_share: {max: 0.1}\n      - explained_share: {min: 0.5}\n      - contains: Paris");
        var (code, output, err) = await LocalAsync(passing, "--json", _dir.Path("pass.json"));
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Matches(@"black-box: scoring regenerate_top_logprobs \(asked: auto\), \d+ endpoint calls", output);
        Assert.Contains("3 passed, 0 failed", output);
        Assert.DoesNotContain(Key, output + err + await File.ReadAllTextAsync(_dir.Path("pass.json")));
        var json = JsonNode.Parse(await File.ReadAllTextAsync(_dir.Path("pass.json")))!;
        Assert.Equal("regenerate_top_logprobs", json["cases"]![0]!["scoring_mode"]!.GetValue<string>());
        // Every call the check made reached the endpoint (the probe's included, which the per-case counts leave out).
        Assert.True(json["endpoint_calls"]!.GetValue<long>() < _chat.Calls);

        var failing = Config("      - visible_share: {max: 0.5}");
        (code, output, err) = await LocalAsync(failing);
        Assert.True(code == 1, $"exit {code}: {err}{output}");
        Assert.Matches(@"FAIL  visible_share ≤ 0\.5: visible_share = (1|0\.\d+) is above max 0\.5", output);
    }

    [Fact]
    public async Task An_endpoint_that_takes_no_key_runs_without_api_key_env_and_gets_no_authorization_header()
    {
        // A local vLLM or llama.cpp server started without a key: the config names no variable, the calls carry none.
        var config = _dir.Write($$"""
            endpoint: {base_url: '{{_server.BaseUrl}}', model: double}
            system_prompt: "You answer geography questions."
            settings: {max_new_tokens: 5}
            cases:
              - name: capital
                user: "What is the capital of France?"
                assert:
                  - contains: Paris
            """);
        var (code, output, err) = await CliHarness.RunRawAsync(["check", config, "--local"]);
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Contains("1 passed, 0 failed", output);
        Assert.NotEmpty(_chat.Authorizations);
        Assert.All(_chat.Authorizations, Assert.Null);

        // Without --local the refusal does not speak of a key it does not have.
        (code, _, err) = await CliHarness.RunRawAsync(["check", config]);
        Assert.Equal(2, code);
        Assert.Contains("an inline endpoint runs only with --local (the calls go out from this machine);", err);
    }

    [Fact]
    public async Task A_given_completion_the_endpoint_cannot_score_is_a_config_error_at_the_case()
    {
        var config = Config("      - attribution_share: {max: 0.1}", "\n    completion: \" Paris.\"");
        var (code, _, err) = await LocalAsync(config);
        Assert.Equal(2, code);
        Assert.Contains($"{config}:5:5: capital: this endpoint offers no prompt log-probs, so it can only explain its own completion", err);
    }
}
