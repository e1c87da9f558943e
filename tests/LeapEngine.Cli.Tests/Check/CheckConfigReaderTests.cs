using LeapEngine.Cli.Check;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// leap.yaml as CheckConfigReader reads it: every field of a full config lands where it should, and every mistake is
/// refused before anything runs, at the file:line:column where it was written, saying what to fix.
/// </summary>
public sealed class CheckConfigReaderTests : IDisposable
{
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    private CheckConfigException Refused(string yaml)
    {
        var path = _dir.Write(yaml);
        return Assert.Throws<CheckConfigException>(() => CheckConfigReader.Load(path));
    }

    [Fact]
    public void A_full_config_is_read_with_every_assertion_at_its_line()
    {
        File.WriteAllText(_dir.Path("system.txt"), "You are a helpful assistant.\nAlways answer like a pirate.\n\n");
        var path = _dir.Write("""
            model: stories260K
            system_prompt_file: system.txt
            spans:
              pirate: "like a pirate"
            settings:
              method: hipe
              unit: token
              max_new_tokens: 8
              repeats: 3
            baseline:
              k: 2.5
              floor: {log_prob_drop: 0.2, share: 0.05}
            assert:
              - attribution_share: {max: 0.5}
            cases:
              - name: greet
                user: Hello
                completion: " Ahoy"
                assert:
                  - span_share: {span: pirate, min: 0.1, max: 0.9}
                  - not_contains: "arr"
              - messages:
                  - {role: user, content: "Hi"}
                  - {role: assistant, content: "Ahoy"}
                assert:
                  - log_prob_drop: {min: -1}
                  - visible_share: {min: 0, max: 1}
            """);
        var config = CheckConfigReader.Load(path);

        Assert.Equal("stories260K", Assert.IsType<ServedModelTarget>(config.Target).Model);
        Assert.Equal("You are a helpful assistant.\nAlways answer like a pirate.", config.SystemPrompt.Text);   // trailing newlines are the file's
        var pirate = Assert.Single(config.Spans);
        Assert.Equal(("pirate", 43, 13), (pirate.Name, pirate.Start, pirate.Length));
        Assert.Equal("like a pirate", config.SystemPrompt.Text.Substring(pirate.Start, pirate.Length));
        Assert.Equal(new SourceLocation(_dir.Path("system.txt"), 2, 15), config.SystemPrompt.LocationOf(pirate.Start));
        Assert.Equal(new CheckSettings("hipe", "token", "remove", "auto", 8, 3), config.Settings);
        Assert.Equal(new BaselineSettings(_dir.Path("leap.baseline.json"), 2.5, 0.2, 0.05), config.Baseline);

        Assert.Equal(2, config.Cases.Count);
        var greet = config.Cases[0];
        Assert.Equal(("greet", " Ahoy"), (greet.Name, greet.Completion));
        Assert.Equal([new CaseMessage("user", "Hello")], greet.Messages);
        Assert.Equal(["attribution_share ≤ 0.5", "0.1 ≤ span_share:pirate ≤ 0.9", "completion does not contain \"arr\""],
            greet.Assertions.Select(a => a.Describe()));
        Assert.Equal([14, 20, 21], greet.Assertions.Select(a => a.At.Line));   // the common one, then the case's own
        Assert.Equal(16, greet.At.Line);

        var second = config.Cases[1];
        Assert.Equal("case 2", second.Name);
        Assert.Equal([new CaseMessage("user", "Hi"), new CaseMessage("assistant", "Ahoy")], second.Messages);
        Assert.Equal(["attribution_share ≤ 0.5", "log_prob_drop ≥ -1", "0 ≤ visible_share ≤ 1"], second.Assertions.Select(a => a.Describe()));
    }

    [Fact]
    public void Defaults_fill_the_settings_and_the_baseline_sits_next_to_the_config()
    {
        var config = CheckConfigReader.Load(_dir.Write("model: m\nsystem_prompt: Be brief.\ncases:\n  - user: Hi\n    assert: [contains: x]\n", "gate.yml"));
        Assert.Equal(CheckSettings.Default, config.Settings);
        Assert.Equal(_dir.Path("gate.baseline.json"), config.Baseline.File);
        Assert.Equal((3, 0.1, 0.02), (config.Baseline.K, config.Baseline.LogProbDropFloor, config.Baseline.ShareFloor));
        Assert.Equal(new SourceLocation(_dir.Path("gate.yml"), 2, 16), config.SystemPrompt.LocationOf(0));   // inline: the prompt's place
    }

    [Theory]
    [InlineData("model: m\nsystem_prompt: [unclosed\n", 3, 1, "not valid YAML")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    asert: []\n", 5, 5, "unknown key 'asert' in case 1; allowed: name, user, messages, completion, assert")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - attribution_share: {min: 0.6, max: 0.2}\n", 6, 28, "attribution_share: min (0.6) is above max (0.2)")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - visible_share: {max: 2}\n", 6, 24, "min and max must lie within 0 and 1")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - log_prob_drop: {max: lots}\n", 6, 30, "log_prob_drop.max must be a finite number, got 'lots'")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - log_prob_drop: {}\n", 6, 24, "log_prob_drop needs min, max or both")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - kl_divergence: {max: 1}\n", 6, 9, "unknown assertion 'kl_divergence'")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n", 4, 5, "case 1 has no assertions")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    messages: []\n    assert: [contains: a]\n", 4, 5, "give user: (the user's text) or messages:")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - messages: [{role: user, content: a}, {role: user, content: b}]\n    assert: [contains: a]\n", 4, 49, "a second user turn")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - messages: [{role: system, content: a}]\n    assert: [contains: a]\n", 4, 23, "role must be user or assistant")]
    [InlineData("model: m\nsystem_prompt: You are kind.\nspans: {tone: cruel}\ncases:\n  - user: Hi\n    assert: [contains: a]\n", 3, 15, "spans.tone: the text \"cruel\" is not in the system prompt")]
    [InlineData("model: m\nsystem_prompt: a b a\nspans: {x: a}\ncases:\n  - user: Hi\n    assert: [contains: a]\n", 3, 12, "occurs more than once")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - span_share: {span: nope, max: 1}\n", 6, 28, "no span 'nope': define it under spans:")]
    [InlineData("model: m\nsystem_prompt_file: missing.txt\ncases: []\n", 2, 21, "system_prompt_file 'missing.txt' does not exist")]
    [InlineData("system_prompt: x\ncases: []\n", 1, 1, "the target is missing: give model:")]
    [InlineData("model: m\ncases: []\n", 1, 1, "the system prompt is missing")]
    [InlineData("model: m\nsystem_prompt: x\ncases: []\n", 3, 8, "cases is empty")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {repeats: 0}\ncases: []\n", 3, 21, "settings.repeats must be a whole number from 1 to 20, got '0'")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {unit: spans}\ncases: []\n", 3, 18, "settings.unit takes token, word or chunk:K")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {unit: sentence}\ncases: []\n", 3, 18, "settings.unit: ")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {perturbation: blur}\ncases: []\n", 3, 26, "settings.perturbation: ")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {template: alpaca}\ncases: []\n", 3, 22, "settings.template must be one of auto, plain, chatml, llama3, got 'alpaca'")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {method: lime}\ncases: []\n", 3, 20, "settings.method must be itp or hipe, got 'lime'")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - name: a\n    user: Hi\n    assert: [contains: a]\n  - name: a\n    user: Ho\n    assert: [contains: a]\n", 7, 11, "two cases are named 'a'")]
    [InlineData("model: m\nendpoint: ep_1\nsystem_prompt: x\ncases: []\n", 2, 1, "give model: or endpoint:, not both")]
    [InlineData("endpoint: {base_url: 'ftp://x', api_key_env: K, model: m}\nsystem_prompt: x\ncases: []\n", 1, 22, "endpoint.base_url must be an http(s) URL")]
    [InlineData("endpoint: {base_url: 'https://x/v1', api_key_env: 'my key', model: m}\nsystem_prompt: x\ncases: []\n", 1, 51, "endpoint.api_key_env must name an environment variable")]
    [InlineData("endpoint: gpt-4o\nsystem_prompt: x\ncases: []\n", 1, 11, "endpoint must be a registered endpoint's id (ep_…)")]
    [InlineData("endpoint: ep_1\nsystem_prompt: x\nsettings: {unit: token}\ncases: []\n", 3, 18, "settings.unit of an endpoint target takes word, sentence, message or endpoint_token, got 'token'")]
    [InlineData("endpoint: ep_1\nsystem_prompt: x\nsettings: {perturbation: hide}\ncases: []\n", 3, 26, "settings.perturbation: ")]
    [InlineData("endpoint: ep_1\nsystem_prompt: x\nsettings: {template: auto}\ncases: []\n", 3, 22, "settings.template: unknown template 'auto'")]
    [InlineData("endpoint: ep_1\nsystem_prompt: x\nsettings: {scoring: exact}\ncases: []\n", 3, 21, "settings.scoring: unknown scoring 'exact'")]
    [InlineData("model: m\nsystem_prompt: x\nsettings: {scoring: auto}\ncases: []\n", 3, 12, "settings.scoring chooses how an endpoint target is scored")]
    [InlineData("model: m\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert:\n      - explained_share: {min: 0.5}\n", 6, 9, "explained_share is measured for endpoint targets only")]
    [InlineData("endpoint: ep_1\nsystem_prompt: x\nassert: [explained_share: {min: 0.5}]\ncases:\n  - messages: [{role: assistant, content: a}]\n", 3, 10, "case 1: explained_share measures the user's text, and this case has no user turn")]
    [InlineData("- just\n- a list\n", 1, 1, "the config must be a mapping")]
    public void A_mistake_is_refused_at_its_line_and_column(string yaml, int line, int column, string message)
    {
        var e = Refused(yaml);
        Assert.Contains(message, e.Message);
        Assert.Equal((line, column), (e.At.Line, e.At.Column));
        Assert.StartsWith($"{_dir.Path()}:{line}:{column}: ", e.Message);
    }

    [Fact]
    public void An_endpoint_target_is_validated_with_the_black_box_settings_and_figures()
    {
        var registered = CheckConfigReader.Load(_dir.Write("endpoint: ep_123\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert: [contains: a]\n"));
        Assert.Equal("ep_123", Assert.IsType<EndpointTarget>(registered.Target).EndpointId);
        Assert.Equal(CheckSettings.EndpointDefault, registered.Settings);   // template plain, scoring auto
        var set = CheckConfigReader.Load(_dir.Write("endpoint: ep_123\nsystem_prompt: x\nsettings: {unit: sentence, perturbation: 'replace:[X]', " +
                                                    "template: chatml, scoring: regenerate_top_logprobs}\ncases:\n  - user: Hi\n    assert: [explained_share: {min: 0.5}]\n"));
        Assert.Equal(("sentence", "replace:[X]", "chatml", "regenerate_top_logprobs"),
            (set.Settings.Unit, set.Settings.Perturbation, set.Settings.Template, set.Settings.Scoring));
        Assert.Equal(Figures.ExplainedShare, Assert.IsType<FigureAssertion>(Assert.Single(set.Cases[0].Assertions)).Key);
        var inline = CheckConfigReader.Load(_dir.Write(
            "endpoint: {base_url: 'https://llm.example.com/v1', api_key_env: OPENAI_API_KEY, model: gpt-x}\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert: [contains: a]\n"));
        var target = Assert.IsType<EndpointTarget>(inline.Target);
        Assert.Equal(("https://llm.example.com/v1", "OPENAI_API_KEY", "gpt-x"), (target.BaseUrl!.OriginalString, target.ApiKeyEnv, target.Model));
        // No api_key_env: an endpoint that takes no key.
        var keyless = CheckConfigReader.Load(_dir.Write(
            "endpoint: {base_url: 'http://localhost:8000/v1', model: local}\nsystem_prompt: x\ncases:\n  - user: Hi\n    assert: [contains: a]\n"));
        Assert.Null(Assert.IsType<EndpointTarget>(keyless.Target).ApiKeyEnv);
    }

    [Fact]
    public void A_config_holds_at_most_200_cases()
    {
        string Cases(int n) => "model: m\nsystem_prompt: x\nassert: [contains: a]\ncases:\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"  - user: u{i}\n"));
        Assert.Equal(200, CheckConfigReader.Load(_dir.Write(Cases(200))).Cases.Count);
        var e = Refused(Cases(201));
        Assert.Contains("at most 200 cases per config, got 201", e.Message);
    }

    [Fact]
    public void A_missing_or_empty_file_is_refused()
    {
        var e = Assert.Throws<CheckConfigException>(() => CheckConfigReader.Load(_dir.Path("nope.yaml")));
        Assert.Contains("no such config file", e.Message);
        e = Refused("# only a comment\n");
        Assert.Contains("the config is empty", e.Message);
    }
}
