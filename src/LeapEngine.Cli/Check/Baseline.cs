using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Check;

/// <summary>A baseline is missing a part, or was measured with other settings: the check cannot compare (exit 2).</summary>
public sealed class BaselineException(string message) : Exception(message);

/// <summary>
/// The measured figures of a run, written by <c>--update-baseline</c> to a JSON file next to the config (format in
/// docs/ci.md, "Baselines"), and read back to flag drift: a figure drifted when |now − baseline mean| exceeds its band,
/// max(K × s, floor), where s is the larger of the baseline's and this run's standard deviation over the repeats. With
/// deterministic figures (CPU, one repeat) s is 0 and the floor alone decides.
/// </summary>
/// <param name="ScoringMode">An endpoint target's scoring mode in the measured runs (null for a model): figures scored
/// another way (the endpoint stopped offering prompt log-probs) are not comparable either.</param>
public sealed record Baseline(string Target, CheckSettings Settings, string SystemPromptSha256, IReadOnlyDictionary<string, BaselineCase> Cases,
    string? ScoringMode = null)
{
    public const int FormatVersion = 1;
    private const string EndpointPrefix = "endpoint:";

    /// <summary>A model's id as it is (the format's first targets), an endpoint as "endpoint:ep_…" or "endpoint:URL model".</summary>
    public static string TargetOf(CheckConfig config) => config.Target switch
    {
        ServedModelTarget m => m.Model,
        EndpointTarget e => EndpointPrefix + (e.EndpointId ?? $"{e.BaseUrl} {e.Model}"),
        _ => "",
    };

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static Baseline Of(CheckConfig config, IReadOnlyList<CaseOutcome> cases) =>
        new(TargetOf(config), config.Settings, Hash(config.SystemPrompt.Text),
            cases.ToDictionary(c => c.Case.Name, c => new BaselineCase(c.Completions, c.Figures)), CheckReport.ScoringOf(cases));

    public void Write(string path)
    {
        var cases = new JsonArray();
        foreach (var (name, c) in Cases)
        {
            cases.Add(new JsonObject
            {
                ["name"] = name,
                ["completions"] = new JsonArray(c.Completions.Select(x => (JsonNode?)x).ToArray()),
                ["figures"] = FigureJson.Write(c.Figures),
            });
        }
        var root = new JsonObject
        {
            ["leap_check_baseline"] = FormatVersion,
            ["created_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["target"] = Target,
            ["settings"] = new JsonObject
            {
                ["method"] = Settings.Method, ["unit"] = Settings.Unit, ["perturbation"] = Settings.Perturbation,
                ["template"] = Settings.Template, ["max_new_tokens"] = Settings.MaxNewTokens, ["repeats"] = Settings.Repeats,
                ["scoring"] = Settings.Scoring,
            },
            ["system_prompt_sha256"] = SystemPromptSha256,
            ["cases"] = cases,
        };
        if (ScoringMode is not null) root["scoring_mode"] = ScoringMode;
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    public static Baseline Read(string path)
    {
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new BaselineException($"{path} is not a JSON object");
            if (root["leap_check_baseline"]?.GetValue<int>() != FormatVersion)
                throw new BaselineException($"{path} is not a leap check baseline of format {FormatVersion}; rewrite it with leap check --update-baseline");
            var s = root["settings"]!;
            var settings = new CheckSettings(s["method"]!.GetValue<string>(), s["unit"]!.GetValue<string>(), s["perturbation"]!.GetValue<string>(),
                s["template"]!.GetValue<string>(), s["max_new_tokens"]!.GetValue<int>(), s["repeats"]!.GetValue<int>(),
                s["scoring"]?.GetValue<string>() ?? CheckSettings.AutoScoring);
            var cases = new Dictionary<string, BaselineCase>();
            foreach (var c in root["cases"]!.AsArray().OfType<JsonObject>())
            {
                var figures = FigureJson.Read(c["figures"]!.AsArray());
                cases[c["name"]!.GetValue<string>()] = new BaselineCase(
                    c["completions"]!.AsArray().Select(x => x!.GetValue<string>()).ToList(), figures);
            }
            return new Baseline(root["target"]!.GetValue<string>(), settings, root["system_prompt_sha256"]!.GetValue<string>(), cases,
                root["scoring_mode"]?.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new BaselineException($"the baseline {path} is unreadable ({e.Message}); rewrite it with leap check --update-baseline");
        }
    }

    /// <summary>Figures from other settings are not comparable: that is a stale baseline, not drift.</summary>
    public void EnsureComparable(CheckConfig config, string path)
    {
        var now = config.Settings;
        bool wasEndpoint = Target.StartsWith(EndpointPrefix, StringComparison.Ordinal), isEndpoint = config.Target is EndpointTarget;
        if (wasEndpoint != isEndpoint)
            throw new BaselineException($"the baseline {path} was measured against {(wasEndpoint ? "an endpoint" : "a model")} ('{Target}') and the " +
                                        $"config now targets {(isEndpoint ? "an endpoint" : "a model")} ('{TargetOf(config)}'): a white-box and a " +
                                        "black-box measurement are not comparable; run leap check --update-baseline to measure a new one");
        var differences = new List<string>();
        if (Target != TargetOf(config)) differences.Add($"target '{Target}' (now '{TargetOf(config)}')");
        if (Settings.Method != now.Method) differences.Add($"method {Settings.Method} (now {now.Method})");
        if (Settings.Unit != now.Unit) differences.Add($"unit {Settings.Unit} (now {now.Unit})");
        if (Settings.Perturbation != now.Perturbation) differences.Add($"perturbation {Settings.Perturbation} (now {now.Perturbation})");
        if (Settings.Template != now.Template) differences.Add($"template {Settings.Template} (now {now.Template})");
        if (Settings.MaxNewTokens != now.MaxNewTokens) differences.Add($"max_new_tokens {Settings.MaxNewTokens} (now {now.MaxNewTokens})");
        if (Settings.Scoring != now.Scoring) differences.Add($"scoring {Settings.Scoring} (now {now.Scoring})");
        if (differences.Count > 0)
            throw new BaselineException($"the baseline {path} was measured with {string.Join(", ", differences)}; its figures are not " +
                                        "comparable: run leap check --update-baseline to measure a new one");
    }

    /// <summary>
    /// After each measurement: an endpoint scored another way than when the baseline was measured (scoring auto, and the
    /// endpoint now offers other log-probs) gives figures in other terms — a stale baseline, not drift. Checked as soon as
    /// the first measurement says how it was scored, so a stale baseline stops the check before the other cases spend
    /// endpoint calls.
    /// </summary>
    public void EnsureSameScoring(string? now, string path)
    {
        if (ScoringMode != now)
            throw new BaselineException($"the baseline {path} was scored {ScoringMode ?? "white-box"} and this run {now ?? "white-box"}; " +
                                        "its figures are not comparable: run leap check --update-baseline to measure a new one");
    }

    /// <summary>One drift verdict per figure the baseline holds for the case (skipped when the baseline has no such case).</summary>
    public List<AssertionOutcome> Compare(CheckConfig config, CheckCase c, IReadOnlyDictionary<string, FigureStats> now)
    {
        if (!Cases.TryGetValue(c.Name, out var before))
            return [new AssertionOutcome(c.Name, "drift from baseline", Verdict.Skipped,
                "no baseline for this case yet; run leap check --update-baseline to record one", c.At, IsDrift: true)];
        var outcomes = new List<AssertionOutcome>();
        foreach (var (key, was) in before.Figures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var at = LocationOf(config, c, key);
            if (!now.TryGetValue(key, out var is_))
            {
                outcomes.Add(new AssertionOutcome(c.Name, $"{key} matches baseline", Verdict.Skipped,
                    $"{key} is in the baseline but no longer measured (its span was removed?)", at, IsDrift: true, Figure: key));
                continue;
            }
            double s = Math.Max(was.StdDev, is_.StdDev), floor = config.Baseline.FloorOf(key.StartsWith(Figures.SpanShare) ? Figures.SpanShare : key);
            double band = Math.Max(config.Baseline.K * s, floor), moved = is_.Mean - was.Mean;
            bool passed = Math.Abs(moved) <= band;
            string why = $"band ±{FigureRange.Num(band)} = max({FigureRange.Num(config.Baseline.K)} × sd {FigureRange.Num(s)}, floor {FigureRange.Num(floor)})";
            string message = passed
                ? $"{key} = {FigureRange.Num(is_.Mean)}, baseline {FigureRange.Num(was.Mean)} ({why})"
                : $"{key} drifted from {FigureRange.Num(was.Mean)} to {FigureRange.Num(is_.Mean)} (by {FigureRange.Num(moved)}; {why}); " +
                  "if the change is intended, run leap check --update-baseline";
            outcomes.Add(new AssertionOutcome(c.Name, $"{key} matches baseline", passed ? Verdict.Passed : Verdict.Failed, message, at,
                IsDrift: true, Figure: key, Value: is_.Mean, Min: was.Mean - band, Max: was.Mean + band));
        }
        return outcomes;
    }

    private static SourceLocation LocationOf(CheckConfig config, CheckCase c, string key)
    {
        var span = config.Spans.FirstOrDefault(s => Figures.SpanKey(s.Name) == key);
        return span is not null && config.SystemPrompt.FilePath is not null ? config.SystemPrompt.LocationOf(span.Start) : c.At;
    }
}

/// <summary>One case in a baseline: the completions seen and each figure's mean and spread.</summary>
public sealed record BaselineCase(IReadOnlyList<string> Completions, IReadOnlyDictionary<string, FigureStats> Figures);
