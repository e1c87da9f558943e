using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Cli.Check;
using YamlDotNet.RepresentationModel;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// docs/ci.md as written: every YAML block parses; the example leap.yaml runs (--local) and passes, and the baseline it
/// writes has the documented shape; every `leap check` command in the docs, the GitHub Actions workflow and the GitLab
/// job parses with the flags the CLI has; the reports the pipelines keep are the files the commands write.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class DocsCiTests : IDisposable
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "ci.md"));
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the tests run outside the repository");
    }

    private static List<(string Label, string Language, string Body)> Blocks() =>
        Regex.Matches(Doc, @"(?:<!-- (?<label>[^\n]*?) -->\n)?```(?<lang>\w*)\n(?<body>.*?)```", RegexOptions.Singleline)
            .Select(m => (m.Groups["label"].Value, m.Groups["lang"].Value, m.Groups["body"].Value)).ToList();

    private static YamlNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Single().RootNode;
    }

    /// <summary>Every `leap check …` command in a text, as arguments (the program name dropped).</summary>
    private static List<string[]> CheckCommands(string text) =>
        Regex.Matches(text, @"(?:^|\s|/)leap (check[^\n#]*)", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

    private static void AssertParses(string[] args)
    {
        var parse = LeapCli.Build().Parse(args);
        Assert.True(parse.Errors.Count == 0, $"leap {string.Join(' ', args)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        Assert.Equal("check", parse.CommandResult.Command.Name);
    }

    [Fact]
    public void Every_yaml_block_parses_and_every_leap_check_command_has_the_flags_the_cli_has()
    {
        var yamlBlocks = Blocks().Where(b => b.Language == "yaml").ToList();
        Assert.True(yamlBlocks.Count >= 4, "the leap.yaml example, the GitHub workflow, the GitLab job, the jobs fragment");
        foreach (var block in yamlBlocks) Yaml(block.Body);

        var commands = CheckCommands(Doc);
        Assert.True(commands.Count >= 6, string.Join("\n", commands.Select(c => string.Join(' ', c))));
        foreach (var args in commands) AssertParses(args);
    }

    [Fact]
    public void The_workflows_run_leap_check_and_keep_the_files_it_writes()
    {
        var github = (YamlMappingNode)Yaml(Blocks().Single(b => b.Label.StartsWith("workflow: .github/")).Body);
        var steps = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)github["jobs"])["leap-check"])["steps"];
        var runs = steps.OfType<YamlMappingNode>().Where(s => s.Children.ContainsKey("run")).Select(s => ((YamlScalarNode)s["run"]).Value!).ToList();
        Assert.Contains(runs, r => r.StartsWith("dotnet tool install --tool-path .tools LeapEngine.Cli"));
        var check = Assert.Single(runs.SelectMany(CheckCommands));
        AssertParses(check);
        var env = (YamlMappingNode)steps.OfType<YamlMappingNode>().Single(s => s.Children.ContainsKey("run") && ((YamlScalarNode)s["run"]).Value!.Contains("leap check"))["env"];
        Assert.Equal(["LEAP_API_URL", "LEAP_API_KEY"], env.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        var upload = steps.OfType<YamlMappingNode>().Single(s => s.Children.ContainsKey("uses") && ((YamlScalarNode)s["uses"]).Value!.StartsWith("actions/upload-artifact"));
        var kept = ((YamlScalarNode)((YamlMappingNode)upload["with"])["path"]).Value!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([Flag(check, "--junit"), Flag(check, "--json")], kept);

        var gitlab = (YamlMappingNode)((YamlMappingNode)Yaml(Blocks().Single(b => b.Label == "workflow: .gitlab-ci.yml").Body))["leap-check"];
        var script = ((YamlSequenceNode)gitlab["script"]).Select(s => ((YamlScalarNode)s).Value!).ToList();
        Assert.StartsWith("dotnet tool install --tool-path .tools LeapEngine.Cli", script[0]);
        var gitlabCheck = Assert.Single(script.SelectMany(CheckCommands));
        AssertParses(gitlabCheck);
        var reports = (YamlMappingNode)((YamlMappingNode)gitlab["artifacts"])["reports"];
        Assert.Equal(Flag(gitlabCheck, "--junit"), ((YamlScalarNode)reports["junit"]).Value);
    }

    [Fact]
    public async Task The_example_config_runs_passes_and_writes_a_baseline_of_the_documented_shape()
    {
        var example = Blocks().Single(b => b.Label.StartsWith("leap.yaml"));
        // The sentence may wrap inside the backticks: a line break there is a space.
        var prompt = Regex.Replace(Regex.Match(Doc, @"holding the system prompt \(here `([^`]+)`\)").Groups[1].Value, @"\s+", " ");
        Assert.NotEmpty(prompt);
        Directory.CreateDirectory(_dir.Path("prompts"));
        File.WriteAllText(_dir.Path("prompts/system.txt"), prompt + "\n");
        var config = _dir.Write(example.Body);

        var (code, output, err) = await CliHarness.RunAsync("check", config, "--local", "--update-baseline");
        Assert.True(code == 0, $"exit {code}: {err}{output}");
        Assert.Contains("5 passed, 0 failed", output);
        // The terminal lines the docs show are what the example prints.
        foreach (var line in Blocks().Single(b => b.Language == "text").Body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.Contains(line, output);

        var written = JsonNode.Parse(File.ReadAllText(_dir.Path("leap.baseline.json")))!;
        var documented = JsonNode.Parse(Blocks().Single(b => b.Language == "json").Body)!;
        Assert.Equal(Shape(documented), Shape(written));
        Assert.Equal(documented["system_prompt_sha256"]!.GetValue<string>(), written["system_prompt_sha256"]!.GetValue<string>());
        var documentedShare = documented["cases"]![0]!["figures"]![0]!["mean"]!.GetValue<double>();
        Assert.Equal(documentedShare, written["cases"]![0]!["figures"]![0]!["mean"]!.GetValue<double>(), 6);
    }

    [Fact]
    public void The_endpoint_example_is_a_valid_endpoint_config()
    {
        var example = Blocks().Single(b => b.Label.StartsWith("leap-endpoint.yaml"));
        Directory.CreateDirectory(_dir.Path("prompts"));
        File.WriteAllText(_dir.Path("prompts/system.txt"), "Lily loved her cat.\n");
        var config = CheckConfigReader.Load(_dir.Write(example.Body, "leap-endpoint.yaml"));
        var target = Assert.IsType<EndpointTarget>(config.Target);
        Assert.True(target.IsRegistered);
        Assert.Contains(config.Cases[0].Assertions, a => a is FigureAssertion { Figure: Figures.ExplainedShare });
        Assert.Equal("auto", config.Settings.Scoring);
    }

    [Fact]
    public async Task Check_help_lists_every_flag_the_docs_name()
    {
        var (code, output, _) = await CliHarness.RunRawAsync("check", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
        var documented = Regex.Matches(Doc.Split("## Gating on system-prompt influence")[1], @"`leap check[^`]*`|\n\s*(?:\.tools/)?leap check[^\n]*")
            .SelectMany(m => Regex.Matches(m.Value, @"--[a-z-]+").Select(f => f.Value)).Distinct().ToList();
        Assert.Superset(new HashSet<string> { "--local", "--update-baseline", "--junit", "--json", "--sarif", "--timeout" }, documented.ToHashSet());
        foreach (var flag in documented.Append("--api-url").Append("--api-key-env").Append("--retries"))
            Assert.Contains(flag, output);
    }

    private static string Flag(string[] args, string name) => args[Array.IndexOf(args, name) + 1];

    /// <summary>The property names of an object and of the first element of each array, recursively.</summary>
    private static string Shape(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Select(p => $"{p.Key}:{Shape(p.Value)}")) + "}",
        JsonArray a => "[" + (a.Count > 0 ? Shape(a[0]) : "") + "]",
        _ => "",
    };
}
