using LeapEngine.Core.Attribution;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LeapEngine.Cli.Check;

/// <summary>
/// Reads and validates a <c>leap.yaml</c> (YamlDotNet): every mistake — bad YAML, an unknown key, a range that can never
/// hold, a span that is not in the system prompt — is a <see cref="CheckConfigException"/> at its file:line:column, before
/// anything runs. The fields are documented in docs/ci.md ("Config reference").
/// </summary>
public static class CheckConfigReader
{
    /// <summary>Each case is at least one job; a gate with more belongs in several configs (and several CI jobs).</summary>
    public const int MaxCases = 200;

    private static readonly string[] TopKeys =
        ["model", "endpoint", "system_prompt", "system_prompt_file", "spans", "settings", "baseline", "assert", "cases"];

    public static CheckConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new CheckConfigException(new SourceLocation(path, 1), "no such config file (give its path: leap check FILE; the default is leap.yaml)");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new CheckConfigException(new SourceLocation(path, (int)e.Start.Line, (int)e.Start.Column), $"not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0) throw new CheckConfigException(new SourceLocation(path, 1), "the config is empty");
        if (stream.Documents.Count > 1)
            throw new CheckConfigException(new YamlNodes(path).At(stream.Documents[1].RootNode), "one YAML document per config (remove the second '---')");
        return Read(path, stream.Documents[0].RootNode);
    }

    private static CheckConfig Read(string path, YamlNode root)
    {
        var y = new YamlNodes(path);
        var top = y.Entries(y.Mapping(root, "the config"), "the config", TopKeys);
        var target = ReadTarget(y, root, top);
        var system = ReadSystemPrompt(y, root, path, top);
        var spans = top.TryGetValue("spans", out var s) ? ReadSpans(y, s.Value, system) : [];
        bool blackBox = target is EndpointTarget;
        var settings = top.TryGetValue("settings", out var st) ? ReadSettings(y, st.Value, blackBox)
            : blackBox ? CheckSettings.EndpointDefault : CheckSettings.Default;
        var baseline = ReadBaseline(y, path, top.TryGetValue("baseline", out var b) ? b.Value : null);
        var common = top.TryGetValue("assert", out var a) ? ReadAssertions(y, a.Value, spans, "assert", blackBox) : [];
        if (!top.TryGetValue("cases", out var c)) throw y.Error(root, "cases is required: a list of cases, each with user: (or messages:)");
        var cases = ReadCases(y, c.Value, spans, common, blackBox);
        return new CheckConfig(path, target, system, spans, settings, baseline, cases);
    }

    private static CheckTarget ReadTarget(YamlNodes y, YamlNode root, Dictionary<string, (YamlNode Key, YamlNode Value)> top)
    {
        bool hasModel = top.TryGetValue("model", out var model), hasEndpoint = top.TryGetValue("endpoint", out var endpoint);
        if (hasModel && hasEndpoint) throw y.Error(endpoint.Key, "give model: or endpoint:, not both");
        if (hasModel) return new ServedModelTarget(y.NonEmpty(model.Value, "model").Trim(), y.At(model.Key));
        if (!hasEndpoint) throw y.Error(root, "the target is missing: give model: (a model the server serves, e.g. stories260K)");
        if (endpoint.Value is YamlScalarNode)
        {
            var id = y.NonEmpty(endpoint.Value, "endpoint").Trim();
            if (!id.StartsWith("ep_", StringComparison.Ordinal))
                throw y.Error(endpoint.Value, $"endpoint must be a registered endpoint's id (ep_…) or a mapping {{base_url, api_key_env, model}}, got '{id}'");
            return new EndpointTarget(id, null, null, null, y.At(endpoint.Key));
        }
        var e = y.Entries(y.Mapping(endpoint.Value, "endpoint"), "endpoint", "base_url", "api_key_env", "model");
        if (!e.TryGetValue("base_url", out var url)) throw y.Error(endpoint.Value, "an inline endpoint needs base_url (e.g. https://api.example.com/v1)");
        var text = y.NonEmpty(url.Value, "endpoint.base_url").Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw y.Error(url.Value, $"endpoint.base_url must be an http(s) URL, got '{text}'");
        // No api_key_env: an endpoint that takes no key (a local vLLM or llama.cpp server started without one); the calls
        // then carry no Authorization header.
        string? variable = null;
        SourceLocation? keyAt = null;
        if (e.TryGetValue("api_key_env", out var keyEnv))
        {
            variable = y.NonEmpty(keyEnv.Value, "endpoint.api_key_env").Trim();
            if (!System.Text.RegularExpressions.Regex.IsMatch(variable, "^[A-Za-z_][A-Za-z0-9_]*$"))
                throw y.Error(keyEnv.Value, $"endpoint.api_key_env must name an environment variable (letters, digits, _) that holds the key " +
                                            $"(never the key itself), got '{variable}'");
            keyAt = y.At(keyEnv.Value);
        }
        if (!e.TryGetValue("model", out var m)) throw y.Error(endpoint.Value, "an inline endpoint needs model: the model name the endpoint serves");
        return new EndpointTarget(null, uri, variable, y.NonEmpty(m.Value, "endpoint.model").Trim(), y.At(endpoint.Key), keyAt);
    }

    private static SystemPrompt ReadSystemPrompt(YamlNodes y, YamlNode root, string path, Dictionary<string, (YamlNode Key, YamlNode Value)> top)
    {
        bool inline = top.TryGetValue("system_prompt", out var text), fromFile = top.TryGetValue("system_prompt_file", out var file);
        if (inline && fromFile) throw y.Error(file.Key, "give system_prompt: or system_prompt_file:, not both");
        if (inline) return new SystemPrompt(y.NonEmpty(text.Value, "system_prompt"), y.At(text.Value), null);
        if (!fromFile) throw y.Error(root, "the system prompt is missing: give system_prompt: (inline) or system_prompt_file: (a path next to the config)");
        var relative = y.NonEmpty(file.Value, "system_prompt_file").Trim();
        var full = Path.Combine(Path.GetDirectoryName(path) ?? "", relative);
        if (!File.Exists(full)) throw y.Error(file.Value, $"system_prompt_file '{relative}' does not exist (looked for {Path.GetFullPath(full)}; paths are relative to the config)");
        // Trailing newlines are the file's, not the prompt's: editors add one, and it would be a unit of its own.
        var prompt = File.ReadAllText(full).Replace("\r\n", "\n").TrimEnd();
        if (prompt.Length == 0) throw y.Error(file.Value, $"system_prompt_file '{relative}' is empty");
        return new SystemPrompt(prompt, y.At(file.Value), full);
    }

    private static IReadOnlyList<NamedSpan> ReadSpans(YamlNodes y, YamlNode node, SystemPrompt system)
    {
        var spans = new List<NamedSpan>();
        foreach (var (key, value) in y.Mapping(node, "spans").Children)
        {
            var name = y.NonEmpty(key, "a span's name").Trim();
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z0-9_.-]+$"))
                throw y.Error(key, $"span name '{name}' may hold only letters, digits, '_', '.' and '-'");
            var text = y.NonEmpty(value, $"spans.{name}");
            int start = system.Text.IndexOf(text, StringComparison.Ordinal);
            if (start < 0) throw y.Error(value, $"spans.{name}: the text \"{text}\" is not in the system prompt (spans are quoted from it exactly)");
            if (system.Text.IndexOf(text, start + 1, StringComparison.Ordinal) >= 0)
                throw y.Error(value, $"spans.{name}: \"{text}\" occurs more than once in the system prompt; quote enough to make it unique");
            spans.Add(new NamedSpan(name, start, text.Length, y.At(value)));
        }
        return spans;
    }

    private static CheckSettings ReadSettings(YamlNodes y, YamlNode node, bool blackBox)
    {
        var e = y.Entries(y.Mapping(node, "settings"), "settings", "method", "unit", "perturbation", "template", "max_new_tokens", "repeats", "scoring");
        var d = blackBox ? CheckSettings.EndpointDefault : CheckSettings.Default;
        string Text(string key, string fallback) => e.TryGetValue(key, out var v) ? y.NonEmpty(v.Value, $"settings.{key}").Trim() : fallback;
        var method = Text("method", d.Method).ToLowerInvariant();
        if (method is not ("itp" or "hipe")) throw y.Error(e["method"].Value, $"settings.method must be itp or hipe, got '{method}'");
        var unit = Text("unit", d.Unit);
        var perturbation = Text("perturbation", d.Perturbation);
        var template = Text("template", d.Template);
        var scoring = Text("scoring", d.Scoring);
        if (blackBox) ReadBlackBoxSettings(y, e, unit, perturbation, template, scoring);
        else
        {
            if (unit.Equals("spans", StringComparison.OrdinalIgnoreCase))
                throw y.Error(e["unit"].Value, "settings.unit takes token, word or chunk:K (named spans are measured from these units)");
            // The engine's own parsers, so a typo is caught at its line rather than by the server for every case.
            Parsed(y, e, "unit", () => UnitSpec.Parse(unit));
            Parsed(y, e, "perturbation", () => PerturbationSpec.Parse(perturbation));
            if (!ChatTemplate.Names.Contains(template.ToLowerInvariant()) && !template.Equals("llama-3", StringComparison.OrdinalIgnoreCase))
                throw y.Error(e["template"].Value, $"settings.template must be one of {string.Join(", ", ChatTemplate.Names)}, got '{template}'");
            if (e.TryGetValue("scoring", out var sc))
                throw y.Error(sc.Key, "settings.scoring chooses how an endpoint target is scored; a model: target is always scored exactly (remove it)");
        }
        return new CheckSettings(method, unit, perturbation, template,
            e.TryGetValue("max_new_tokens", out var m) ? y.Integer(m.Value, "settings.max_new_tokens", 1, 256) : d.MaxNewTokens,
            e.TryGetValue("repeats", out var r) ? y.Integer(r.Value, "settings.repeats", 1, CheckSettings.MaxRepeats) : d.Repeats, scoring);
    }

    /// <summary>An endpoint target's settings, checked with the black-box engine's own parsers (its units and perturbations
    /// are over message text: the endpoint's tokens are not ours).</summary>
    private static void ReadBlackBoxSettings(YamlNodes y, Dictionary<string, (YamlNode Key, YamlNode Value)> e, string unit, string perturbation,
        string template, string scoring)
    {
        if (unit.Trim().ToLowerInvariant() is not ("word" or "sentence" or "message" or "endpoint_token"))
            throw y.Error(e["unit"].Value, $"settings.unit of an endpoint target takes word, sentence, message or endpoint_token, got '{unit}' " +
                                            "(token and chunk:K are the served model's tokens, which an endpoint does not share)");
        Parsed(y, e, "perturbation", () => LeapEngine.Core.BlackBox.Prompt.TextPerturbation.Parse(perturbation));
        var request = new LeapEngine.Core.BlackBox.BlackBoxAttributionRequest { Template = template, Scoring = scoring };
        Parsed(y, e, "template", () => request.ParsedTemplate());
        Parsed(y, e, "scoring", () => request.ParsedScoring());
    }

    private static void Parsed(YamlNodes y, Dictionary<string, (YamlNode Key, YamlNode Value)> e, string key, Action parse)
    {
        if (!e.TryGetValue(key, out var entry)) return;
        try { parse(); }
        catch (ArgumentException ex) { throw y.Error(entry.Value, $"settings.{key}: {ex.Message}"); }
    }

    private static BaselineSettings ReadBaseline(YamlNodes y, string path, YamlNode? node)
    {
        var defaultFile = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + ".baseline.json");
        if (node is null) return new BaselineSettings(defaultFile, BaselineSettings.DefaultK, BaselineSettings.DefaultLogProbDropFloor, BaselineSettings.DefaultShareFloor);
        var e = y.Entries(y.Mapping(node, "baseline"), "baseline", "file", "k", "floor");
        var file = e.TryGetValue("file", out var f) ? Path.Combine(Path.GetDirectoryName(path) ?? "", y.NonEmpty(f.Value, "baseline.file").Trim()) : defaultFile;
        double k = BaselineSettings.DefaultK, drop = BaselineSettings.DefaultLogProbDropFloor, share = BaselineSettings.DefaultShareFloor;
        if (e.TryGetValue("k", out var kv) && (k = y.Number(kv.Value, "baseline.k")) <= 0) throw y.Error(kv.Value, "baseline.k must be above 0");
        if (e.TryGetValue("floor", out var fl))
        {
            var floors = y.Entries(y.Mapping(fl.Value, "baseline.floor"), "baseline.floor", Figures.LogProbDrop, "share");
            if (floors.TryGetValue(Figures.LogProbDrop, out var dv) && (drop = y.Number(dv.Value, "baseline.floor.log_prob_drop")) < 0)
                throw y.Error(dv.Value, "baseline.floor.log_prob_drop must be 0 or more (nats)");
            if (floors.TryGetValue("share", out var sv) && (share = y.Number(sv.Value, "baseline.floor.share")) is < 0 or > 1)
                throw y.Error(sv.Value, "baseline.floor.share must lie within 0 and 1");
        }
        return new BaselineSettings(file, k, drop, share);
    }

    private static IReadOnlyList<CheckCase> ReadCases(YamlNodes y, YamlNode node, IReadOnlyList<NamedSpan> spans, IReadOnlyList<CheckAssertion> common,
        bool blackBox)
    {
        var list = y.Sequence(node, "cases");
        if (list.Children.Count == 0) throw y.Error(node, "cases is empty: give at least one case");
        if (list.Children.Count > MaxCases) throw y.Error(node, $"at most {MaxCases} cases per config, got {list.Children.Count}; split it into several configs");
        var cases = new List<CheckCase>();
        var names = new HashSet<string>();
        foreach (var item in list.Children)
        {
            int index = cases.Count + 1;
            var e = y.Entries(y.Mapping(item, $"case {index}"), $"case {index}", "name", "user", "messages", "completion", "assert");
            var name = e.TryGetValue("name", out var n) ? y.NonEmpty(n.Value, $"case {index}'s name").Trim() : $"case {index}";
            if (!names.Add(name)) throw y.Error(e.TryGetValue("name", out var dup) ? dup.Value : item, $"two cases are named '{name}'; names identify cases in reports and baselines");
            var messages = ReadMessages(y, item, e, name);
            var completion = e.TryGetValue("completion", out var c) ? y.NonEmpty(c.Value, $"{name}: completion") : null;
            var own = e.TryGetValue("assert", out var a) ? ReadAssertions(y, a.Value, spans, $"{name}: assert", blackBox) : [];
            var all = common.Concat(own).ToList();
            if (all.Count == 0) throw y.Error(item, $"{name} has no assertions: give assert: in the case, or assert: at the top for every case");
            if (messages.All(m => m.Role != "user") && all.FirstOrDefault(x => x is FigureAssertion { Figure: Figures.ExplainedShare }) is { } needsUser)
                throw new CheckConfigException(needsUser.At, $"{name}: explained_share measures the user's text, and this case has no user turn");
            cases.Add(new CheckCase(name, messages, completion, all, y.At(item)));
        }
        return cases;
    }

    private static IReadOnlyList<CaseMessage> ReadMessages(YamlNodes y, YamlNode item, Dictionary<string, (YamlNode Key, YamlNode Value)> e, string name)
    {
        bool hasUser = e.TryGetValue("user", out var user), hasMessages = e.TryGetValue("messages", out var messages);
        if (hasUser == hasMessages) throw y.Error(item, $"{name}: give user: (the user's text) or messages: (a list of {{role, content}}), one of them");
        if (hasUser) return [new CaseMessage("user", y.String(user.Value, $"{name}: user"))];
        var list = y.Sequence(messages.Value, $"{name}: messages");
        if (list.Children.Count == 0) throw y.Error(messages.Value, $"{name}: messages is empty");
        var turns = new List<CaseMessage>();
        foreach (var m in list.Children)
        {
            var me = y.Entries(y.Mapping(m, $"{name}: a message"), $"{name}: a message", "role", "content");
            if (!me.TryGetValue("role", out var role) || !me.TryGetValue("content", out var content))
                throw y.Error(m, $"{name}: every message needs role and content");
            var r = y.NonEmpty(role.Value, "role").Trim().ToLowerInvariant();
            if (r is not ("user" or "assistant")) throw y.Error(role.Value, $"{name}: role must be user or assistant (the system prompt is the config's), got '{r}'");
            // The engine names a prompt's segments by role, so a role can hold one turn per case.
            if (turns.Any(t => t.Role == r)) throw y.Error(role.Value, $"{name}: a second {r} turn; each role can appear once per case");
            turns.Add(new CaseMessage(r, y.String(content.Value, $"{name}: content")));
        }
        return turns;
    }

    private static IReadOnlyList<CheckAssertion> ReadAssertions(YamlNodes y, YamlNode node, IReadOnlyList<NamedSpan> spans, string what, bool blackBox)
    {
        var assertions = new List<CheckAssertion>();
        foreach (var item in y.Sequence(node, what).Children)
        {
            var map = y.Mapping(item, $"an assertion of {what}");
            if (map.Children.Count != 1)
                throw y.Error(item, $"an assertion has one key (log_prob_drop, attribution_share, visible_share, explained_share, span_share, contains or not_contains), got {map.Children.Count}");
            var (key, value) = map.Children.Single();
            var kind = y.String(key, "an assertion");
            // A figure the target cannot measure is a mistake in the config, never a silent pass.
            if (kind == Figures.ExplainedShare && !blackBox)
                throw y.Error(key, "explained_share is measured for endpoint targets only (the black-box user-text figure); " +
                                   "for a model: target gate on visible_share");
            assertions.Add(kind switch
            {
                "contains" or "not_contains" => new CompletionAssertion(y.NonEmpty(value, kind), kind == "contains", y.At(key)),
                Figures.SpanShare => ReadSpanShare(y, value, spans, y.At(key)),
                _ when Figures.Names.Contains(kind) => new FigureAssertion(kind, ReadRange(y, y.Entries(y.Mapping(value, kind), kind, "min", "max"), value, kind), y.At(key)),
                _ => throw y.Error(key, $"unknown assertion '{kind}'; use log_prob_drop, attribution_share, visible_share, explained_share, span_share, contains or not_contains"),
            });
        }
        return assertions;
    }

    private static FigureAssertion ReadSpanShare(YamlNodes y, YamlNode value, IReadOnlyList<NamedSpan> spans, SourceLocation at)
    {
        var e = y.Entries(y.Mapping(value, Figures.SpanShare), Figures.SpanShare, "span", "min", "max");
        if (!e.TryGetValue("span", out var s)) throw y.Error(value, "span_share needs span: the name of one of spans:");
        var name = y.NonEmpty(s.Value, "span_share.span").Trim();
        var span = spans.FirstOrDefault(x => x.Name == name)
                   ?? throw y.Error(s.Value, spans.Count == 0 ? $"no span '{name}': define it under spans: (name: text quoted from the system prompt)"
                       : $"no span '{name}'; spans: {string.Join(", ", spans.Select(x => x.Name))}");
        return new FigureAssertion(Figures.SpanShare, ReadRange(y, e, value, Figures.SpanShare), at, span);
    }

    private static FigureRange ReadRange(YamlNodes y, Dictionary<string, (YamlNode Key, YamlNode Value)> e, YamlNode node, string figure)
    {
        double? min = e.TryGetValue("min", out var lo) ? y.Number(lo.Value, $"{figure}.min") : null;
        double? max = e.TryGetValue("max", out var hi) ? y.Number(hi.Value, $"{figure}.max") : null;
        if (min is null && max is null) throw y.Error(node, $"{figure} needs min, max or both, e.g. {{max: 0.5}}");
        if (Figures.IsShare(figure) && (min is < 0 or > 1 || max is < 0 or > 1))
            throw y.Error(node, $"{figure} is a share of the attribution mass: min and max must lie within 0 and 1");
        if (min > max) throw y.Error(node, $"{figure}: min ({min}) is above max ({max})");
        return new FigureRange(min, max);
    }
}
