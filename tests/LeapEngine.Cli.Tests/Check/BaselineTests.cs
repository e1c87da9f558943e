using LeapEngine.Cli;
using LeapEngine.Cli.Check;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// Baselines: written and read back exactly; a figure drifts when it leaves max(K × sd, floor) around the baseline's mean
/// (the noise of the repeats widens the band; deterministic figures fall back on the floor); stale settings are refused.
/// </summary>
public sealed class BaselineTests : IDisposable
{
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    private CheckConfig Config(string settings = "repeats: 1") => CheckConfigReader.Load(_dir.Write($$"""
        model: stories260K
        system_prompt: Be brief.
        settings: {{{settings}}}
        cases:
          - name: a
            user: Hi
            assert: [attribution_share: {max: 1}]
        """));

    private static async Task<CheckReport> RunAsync(CheckConfig config, Baseline? baseline, params CaseRun[] runs)
    {
        using var runner = new FakeRunner(new() { ["a"] = runs });
        return await new CheckRun(config, runner, new StatusLine(TextWriter.Null, false), TextWriter.Null).RunAsync(baseline, "test", default);
    }

    [Fact]
    public async Task A_baseline_is_written_next_to_the_config_and_read_back_exactly()
    {
        var config = Config("repeats: 3");
        var report = await RunAsync(config, null, FakeRunner.Measured(1.5, 0.25), FakeRunner.Measured(1.7, 0.35), FakeRunner.Measured(1.6, 0.3));
        Baseline.Of(config, report.Cases).Write(config.Baseline.File);
        var read = Baseline.Read(_dir.Path("leap.baseline.json"));

        Assert.Equal(("stories260K", config.Settings), (read.Target, read.Settings));
        Assert.Equal(Baseline.Hash("Be brief."), read.SystemPromptSha256);
        var share = read.Cases["a"].Figures[Figures.AttributionShare];
        Assert.Equal(0.3, share.Mean, 12);
        Assert.Equal(0.05, share.StdDev, 12);
        Assert.Equal(3, share.N);
        Assert.Equal([" the end", " the end", " the end"], read.Cases["a"].Completions);
        Assert.Equal(report.Cases[0].Figures.Keys.Order(), read.Cases["a"].Figures.Keys.Order());
    }

    [Theory]
    [InlineData(0.0, 0.319, true)]    // sd 0: the share floor 0.02 decides
    [InlineData(0.0, 0.321, false)]
    [InlineData(0.0, 0.281, true)]
    [InlineData(0.0, 0.279, false)]
    [InlineData(0.01, 0.329, true)]   // sd 0.01: 3 × 0.01 = 0.03 is above the floor
    [InlineData(0.01, 0.331, false)]
    public async Task A_share_drifts_when_it_leaves_k_times_sd_or_the_floor(double sd, double now, bool passes)
    {
        var config = Config();
        var baseline = new Baseline("stories260K", config.Settings, "", new Dictionary<string, BaselineCase>
        {
            ["a"] = new([" the end"], new Dictionary<string, FigureStats> { [Figures.AttributionShare] = new(0.3, sd, 3) }),
        });
        var report = await RunAsync(config, baseline, FakeRunner.Measured(1, now));
        var drift = Assert.Single(report.All, o => o.IsDrift);
        Assert.Equal(passes ? Verdict.Passed : Verdict.Failed, drift.Verdict);
        Assert.Equal(report.Passed, passes);   // the assertion itself (max 1) passes: drift alone decides
        if (!passes) Assert.Contains("attribution_share drifted from 0.3 to", drift.Message);
        if (!passes) Assert.Contains("run leap check --update-baseline", drift.Message);
    }

    [Fact]
    public async Task Log_prob_drop_has_its_own_floor_in_nats()
    {
        var config = Config();
        Baseline With(double mean) => new("stories260K", config.Settings, "", new Dictionary<string, BaselineCase>
        {
            ["a"] = new([""], new Dictionary<string, FigureStats> { [Figures.LogProbDrop] = new(mean, 0, 1) }),
        });
        Assert.True((await RunAsync(config, With(2.09), FakeRunner.Measured(2.0, 0.3))).Passed);
        Assert.False((await RunAsync(config, With(2.11), FakeRunner.Measured(2.0, 0.3))).Passed);
    }

    [Fact]
    public async Task A_case_the_baseline_does_not_know_is_skipped_not_failed()
    {
        var config = Config();
        var baseline = new Baseline("stories260K", config.Settings, "", new Dictionary<string, BaselineCase>());
        var report = await RunAsync(config, baseline, FakeRunner.Measured(1, 0.3));
        var drift = Assert.Single(report.All, o => o.IsDrift);
        Assert.Equal(Verdict.Skipped, drift.Verdict);
        Assert.True(report.Passed);
    }

    [Fact]
    public void A_baseline_from_other_settings_or_another_model_is_refused_as_not_comparable()
    {
        var config = Config("unit: token");
        var stale = new Baseline("stories260K", CheckSettings.Default, "", new Dictionary<string, BaselineCase>());
        var e = Assert.Throws<BaselineException>(() => stale.EnsureComparable(config, "b.json"));
        Assert.Contains("unit word (now token)", e.Message);
        Assert.Contains("--update-baseline", e.Message);
        var other = stale with { Target = "gpt2", Settings = config.Settings };
        Assert.Contains("target 'gpt2' (now 'stories260K')", Assert.Throws<BaselineException>(() => other.EnsureComparable(config, "b.json")).Message);
        (stale with { Settings = config.Settings with { Repeats = 5 } }).EnsureComparable(config, "b.json");   // repeats only sharpen the band
    }

    private CheckConfig EndpointConfig(string target = "ep_0123", string settings = "scoring: auto") => CheckConfigReader.Load(_dir.Write($$"""
        endpoint: {{target}}
        system_prompt: Be brief.
        settings: {{{settings}}}
        cases:
          - name: a
            user: Hi
            assert: [explained_share: {min: 0}]
        """, "endpoint.yaml"));

    private static CaseRun BlackBox(string mode, double explained = 0.6) =>
        FakeRunner.Measured(1, 0.3) with { ExplainedShare = explained, ScoringMode = mode, EndpointCalls = 17 };

    [Fact]
    public async Task A_baseline_scored_another_way_stops_the_check_at_its_first_measurement()
    {
        // The invariant: a stale baseline costs one measurement's endpoint calls, not every case's.
        var config = CheckConfigReader.Load(_dir.Write("""
            endpoint: ep_0123
            system_prompt: "You are terse."
            settings: {repeats: 3}
            cases:
              - {name: a, user: Hello, assert: [explained_share: {min: 0.1}]}
              - {name: b, user: Bye, assert: [explained_share: {min: 0.1}]}
            """));
        var baseline = new Baseline("endpoint:ep_0123", config.Settings, "", new Dictionary<string, BaselineCase>(), "teacher_forced");
        using var runner = new FakeRunner(new() { ["a"] = [BlackBox("regenerate_top_logprobs")], ["b"] = [BlackBox("regenerate_top_logprobs")] });
        var run = new CheckRun(config, runner, new StatusLine(TextWriter.Null, false), TextWriter.Null);
        var e = await Assert.ThrowsAsync<BaselineException>(() => run.RunAsync(baseline, "test", default));
        Assert.Contains("was scored teacher_forced and this run regenerate_top_logprobs", e.Message);
        Assert.Equal(1, runner.Runs);
    }

    [Fact]
    public async Task An_endpoint_baseline_keeps_its_target_kind_and_scoring_mode_and_refuses_a_model_or_another_mode()
    {
        var config = EndpointConfig();
        var report = await RunAsync(config, null, BlackBox("teacher_forced"));
        Assert.Equal(("teacher_forced", 17L), (report.ScoringMode, report.EndpointCalls));
        Assert.Equal(0.6, report.Cases[0].Figures[Figures.ExplainedShare].Mean);
        Baseline.Of(config, report.Cases).Write(config.Baseline.File);
        var read = Baseline.Read(config.Baseline.File);
        Assert.Equal(("endpoint:ep_0123", "teacher_forced", "auto"), (read.Target, read.ScoringMode, read.Settings.Scoring));
        read.EnsureComparable(config, "b.json");
        read.EnsureSameScoring(report.ScoringMode, "b.json");
        Assert.Contains(read.Compare(config, config.Cases[0], report.Cases[0].Figures), o => o.Figure == Figures.ExplainedShare && o.Verdict == Verdict.Passed);

        // The endpoint now offers only chat top log-probs: the same settings scored another way are not comparable.
        var e = await Assert.ThrowsAsync<BaselineException>(() => RunAsync(config, read, BlackBox("regenerate_top_logprobs")));
        Assert.Contains("was scored teacher_forced and this run regenerate_top_logprobs", e.Message);
        // A model target (white-box) against this endpoint baseline, and the other way round.
        e = Assert.Throws<BaselineException>(() => read.EnsureComparable(Config(), "b.json"));
        Assert.Contains("measured against an endpoint ('endpoint:ep_0123') and the config now targets a model ('stories260K')", e.Message);
        var modelBaseline = new Baseline("stories260K", CheckSettings.EndpointDefault, "", new Dictionary<string, BaselineCase>());
        Assert.Contains("measured against a model", Assert.Throws<BaselineException>(() => modelBaseline.EnsureComparable(config, "b.json")).Message);
        // Another registered endpoint, or another scoring asked for: the usual list of differences.
        e = Assert.Throws<BaselineException>(() => read.EnsureComparable(EndpointConfig("ep_4567", "scoring: teacher_forced"), "b.json"));
        Assert.Contains("target 'endpoint:ep_0123' (now 'endpoint:ep_4567'), scoring auto (now teacher_forced)", e.Message);
    }

    [Fact]
    public void An_unreadable_baseline_says_how_to_rewrite_it()
    {
        File.WriteAllText(_dir.Path("b.json"), "{\"leap_check_baseline\": 1, \"cases\": 3}");
        Assert.Contains("rewrite it with leap check --update-baseline", Assert.Throws<BaselineException>(() => Baseline.Read(_dir.Path("b.json"))).Message);
        File.WriteAllText(_dir.Path("b.json"), "not json");
        Assert.Contains("unreadable", Assert.Throws<BaselineException>(() => Baseline.Read(_dir.Path("b.json"))).Message);
    }
}
