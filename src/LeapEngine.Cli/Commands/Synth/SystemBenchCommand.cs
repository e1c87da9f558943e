using System.CommandLine;
using System.Text.Json;
using LeapEngine.Cli.Plots;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench system — system-prompt influence (<see cref="SystemPromptBench"/>) on a system-rule model and its
/// control, as a table, JSON rows and two figures; with <c>--rows</c> it redraws the figures of several seeds' rows.
/// </summary>
public static class SystemBenchCommand
{
    public static Command Create()
    {
        var rule = new Option<string?>("--rule") { Description = "A system-rule model folder" };
        var control = new Option<string?>("--control") { Description = "A system-control model folder" };
        var rowsIn = new Option<string[]>("--rows") { Description = "Redraw from these JSON row files (written by --json) instead of running models", AllowMultipleArgumentsPerToken = true };
        var length = new Option<int>("--length") { Description = "User words per prompt", DefaultValueFactory = _ => 32 };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per model", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of the benchmark prompts", DefaultValueFactory = _ => 7 };
        var json = new Option<string?>("--json") { Description = "Also write the rows as JSON to this file" };
        var plots = new Option<string?>("--plots") { Description = "Write the figures (log-prob drop; attribution share and top rate) into this folder" };
        var name = new Option<string>("--name") { Description = "File name prefix of the PNGs", DefaultValueFactory = _ => "system-prompt" };
        var command = new Command("system", "System-prompt influence on a model that reads its system word and on a control that cannot")
        {
            rule, control, rowsIn, length, prompts, seed, json, plots, name,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            List<SystemPromptBenchRow> rows;
            if (parse.GetValue(rowsIn) is { Length: > 0 } files)
            {
                if (parse.GetValue(rule) is not null || parse.GetValue(control) is not null)
                    throw new ArgumentException("give --rule and --control (run the benchmark) or --rows (redraw from rows), not both");
                rows = files.SelectMany(f => BenchRows.Read<List<SystemPromptBenchRow>>(f, "system-prompt rows")).ToList();
            }
            else
            {
                var dirs = new[] { parse.GetValue(rule), parse.GetValue(control) };
                if (dirs.Any(d => d is null)) throw new ArgumentException("give --rule DIR and --control DIR (the models), or --rows FILE (rows to redraw)");
                int n = BenchArgs.Prompts(parse.GetValue(prompts));
                int words = parse.GetValue(length);
                rows = [];
                Console.WriteLine("| model | seed | user words | mean log-prob drop without the system turn | mean system share of attribution | system word ranked first | model correct |");
                Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
                foreach (var (dir, wanted) in dirs.Zip([false, true]))
                {
                    if (SyntheticModelFolder.ReadTask(dir!) is not SystemRuleTask task)
                        throw new ArgumentException($"{dir} is not a system-rule or system-control model (see its synth.json)");
                    if (task.Control != wanted)
                        throw new ArgumentException($"{dir} is a {task.Name} model; --{(wanted ? "control" : "rule")} needs a {(wanted ? "system-control" : "system-rule")} one");
                    using var lm = await CliRunner.LoadModelAsync(parse, dir!, ct);
                    if (words < 1 || words + 4 > lm.Config.ContextLength) throw new ArgumentException($"--length must be in [1, {lm.Config.ContextLength - 4}]");
                    var r = SystemPromptBench.Run(lm, task, SyntheticModelFolder.ReadSeed(dir!), words, n, parse.GetValue(seed), ct);
                    rows.Add(r);
                    Console.WriteLine($"| {r.Model} | {r.ModelSeed} | {r.Length} | {r.MeanLogProbDrop:F2} | {r.MeanAttributionShare:F2} | {r.SystemWordTopRate:F2} | {r.ModelCorrect}/{r.Prompts} |");
                }
                if (parse.GetValue(json) is { } path) File.WriteAllText(path, JsonSerializer.Serialize(rows, SnakeCase.Indented));
            }
            if (parse.GetValue(plots) is { } folder)
                foreach (var file in Draw(rows, folder, parse.GetValue(name)!)) Console.WriteLine($"wrote {file}");
            return 0;
        });
        return command;
    }

    /// <summary>Two figures, a group of bars per model seed: the log-prob drop; the system share and how often the system word ranked first.</summary>
    public static List<string> Draw(IReadOnlyList<SystemPromptBenchRow> rows, string folder, string prefix)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows to draw");
        var seeds = rows.Select(r => r.ModelSeed).Distinct().Order().ToList();
        var groups = seeds.Select(s => $"seed {s}").ToList();
        var lengths = string.Join(", ", rows.Select(r => r.Length).Distinct().Order());
        BarSeries Series(string label, string model, Func<SystemPromptBenchRow, double> value) =>
            new(label, seeds.Select(s => (IReadOnlyList<double>)rows.Where(r => r.Model == model && r.ModelSeed == s).Select(value).ToList()).ToList());

        var drop = Path.Combine(folder, $"{prefix}-logprob-drop.png");
        BenchBars.SaveGrouped(drop, $"answer log-prob drop without the system turn ({lengths} user words)", "nats",
            groups, [Series("system-rule", "system-rule", r => r.MeanLogProbDrop), Series("system-control", "system-control", r => r.MeanLogProbDrop)]);
        var share = Path.Combine(folder, $"{prefix}-share.png");
        BenchBars.SaveGrouped(share, $"system segment in ItP attribution ({lengths} user words)", "share of |score| / rate", groups,
        [
            Series("rule: system share", "system-rule", r => r.MeanAttributionShare),
            Series("control: system share", "system-control", r => r.MeanAttributionShare),
            Series("rule: system word first", "system-rule", r => r.SystemWordTopRate),
            Series("control: system word first", "system-control", r => r.SystemWordTopRate),
        ], yRange: (-0.02, 1.02));
        return [Path.GetFullPath(drop), Path.GetFullPath(share)];
    }
}
