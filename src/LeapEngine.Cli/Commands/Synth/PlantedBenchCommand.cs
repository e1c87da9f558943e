using System.CommandLine;
using System.Text.Json;
using LeapEngine.Cli.Plots;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench planted — attribution against the words that jointly decide the answer of a conjunction,
/// system-rule or system-control model (<see cref="PlantedAttributionBench"/>): a table, JSON rows and one figure per
/// task and perturbation (forward passes against recall@k, a line per configuration through its lengths, averaged
/// over the model seeds in the rows); with <c>--rows</c> it redraws the figures without a model.
/// </summary>
public static class PlantedBenchCommand
{
    public static readonly string[] DefaultConfigs = ["itp", "default relative 0.25", "pizza"];

    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A conjunction, system-rule or system-control model folder (leap synth train)" };
        var rowsIn = new Option<string[]>("--rows") { Description = "Redraw from these JSON row files (written by --json) instead of running a model", AllowMultipleArgumentsPerToken = true };
        var lengths = new Option<string>("--lengths") { Description = "Prompt (user text) lengths in words, comma-separated", DefaultValueFactory = _ => "16,64" };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per length", DefaultValueFactory = _ => 50 };
        var perturbations = new Option<string[]>("--perturbation")
        {
            Description = "Perturbations to run, one per option (remove, token:X, ... as leap attribute); default remove and token: bo",
            DefaultValueFactory = _ => ["remove", "token: bo"],
        };
        var configs = new Option<string>("--configs")
        {
            Description = $"Configurations, comma-separated, from: {string.Join(", ", AttributionCurves.Configs.Select(c => c.Label))}",
            DefaultValueFactory = _ => string.Join(",", DefaultConfigs),
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the benchmark prompts", DefaultValueFactory = _ => 7 };
        var json = new Option<string?>("--json") { Description = "Write the rows as JSON to this file (rewritten after every row)" };
        var plots = new Option<string?>("--plots") { Description = "Write one PNG per task and perturbation into this folder" };
        var name = new Option<string>("--name") { Description = "File name prefix of the PNGs", DefaultValueFactory = _ => "planted" };
        var command = new Command("planted", "Recall and ranks of the planted words of a conjunction or system-rule model by ItP and HiPe, and the forward passes used")
        {
            model, rowsIn, lengths, prompts, perturbations, configs, seed, json, plots, name,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            List<PlantedAttributionRow> rows;
            if (parse.GetValue(rowsIn) is { Length: > 0 } files)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("give --model (run the benchmark) or --rows (redraw from rows), not both");
                rows = files.SelectMany(f => BenchRows.Read<List<PlantedAttributionRow>>(f, "planted-word rows")).ToList();
            }
            else
            {
                var dir = parse.GetValue(model) ?? throw new ArgumentException("give --model DIR (a conjunction, system-rule or system-control model) or --rows FILE");
                var task = SyntheticModelFolder.ReadTask(dir);
                if (!PlantedAttributionBench.Supports(task))
                    throw new ArgumentException($"{dir} is a {task.Name} model; this benchmark scores conjunction, system-rule and system-control models");
                int n = BenchArgs.Prompts(parse.GetValue(prompts));
                var configList = Select(parse.GetValue(configs)!);
                var perturbationList = parse.GetValue(perturbations)!;
                foreach (var p in perturbationList) Core.Attribution.PerturbationSpec.Parse(p);   // fail before the run, not part-way
                using var lm = await CliRunner.LoadModelAsync(parse, dir, ct);
                var lengthList = BenchArgs.Numbers(parse.GetValue(lengths)!, "--lengths", 2, lm.Config.ContextLength - 4);   // two planted words at least; BOS and a system word with its blank line
                var jsonPath = parse.GetValue(json);
                var status = new StatusLine();
                var done = new List<PlantedAttributionRow>();
                Console.WriteLine("| task | seed | perturbation | length | configuration | recall@k (k) | all k on top | top is planted | best rank | worst rank | marked words: mean rank | mean forward passes | model correct |");
                Console.WriteLine("| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
                rows = PlantedAttributionBench.Run(lm, task, SyntheticModelFolder.ReadSeed(dir), lengthList, n, configList, perturbationList,
                    parse.GetValue(seed), status.For<string>(s => s), r =>
                    {
                        status.Clear();
                        done.Add(r);
                        if (jsonPath is not null) File.WriteAllText(jsonPath, JsonSerializer.Serialize(done, SnakeCase.Indented));
                        var words = string.Join("; ", r.Words.Select(w => $"{w.Word} {w.MeanRank:F1}"));
                        Console.WriteLine($"| {r.Task} | {r.ModelSeed} | {r.Perturbation} | {r.Length} | {r.Config} | {r.RecallAtK:F2} ({r.Planted}) | {r.AllInTopK:F2} | {r.TopIsPlanted:F2} | {r.MeanBestRank:F1} | {r.MeanWorstRank:F1} | {words} | {r.MeanEvaluations:F1} | {r.ModelCorrect}/{r.Prompts} |");
                    }, ct);
                status.Clear();
                if (jsonPath is not null) Console.WriteLine($"wrote {Path.GetFullPath(jsonPath)}");
            }
            if (parse.GetValue(plots) is { } folder)
                foreach (var file in Draw(rows, folder, parse.GetValue(name)!)) Console.WriteLine($"wrote {file}");
            return 0;
        });
        return command;
    }

    /// <summary>One PNG per task and perturbation: a line per configuration through its lengths (x: mean forward passes, linear; y: recall@k), averaged over model seeds.</summary>
    public static List<string> Draw(IReadOnlyList<PlantedAttributionRow> rows, string folder, string prefix)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows to draw");
        var written = new List<string>();
        foreach (var cell in rows.GroupBy(r => (r.Task, r.Perturbation)))
        {
            var series = cell.GroupBy(r => r.Config).Select(config =>
            {
                var points = config.GroupBy(r => r.Length).OrderBy(g => g.Key)
                    .Select(g => (X: g.Average(r => r.MeanEvaluations), Y: g.Average(r => r.RecallAtK))).ToList();
                return new PlotSeries(config.Key, points.Select(p => p.X).ToList(), points.Select(p => p.Y).ToList());
            }).ToList();
            var lengths = string.Join(", ", cell.Select(r => r.Length).Distinct().Order());
            var seeds = string.Join(", ", cell.Select(r => r.ModelSeed).Distinct().Order());
            var path = Path.Combine(folder, $"{prefix}-{cell.Key.Task}-{Slug(cell.Key.Perturbation)}.png");
            BenchPlot.SaveLines(path, $"{cell.Key.Task}, perturbation {cell.Key.Perturbation.Trim()}; lengths {lengths} (model seeds {seeds})",
                "mean forward passes per prompt", "recall@k of the planted words", series, yRange: (-0.02, 1.02));   // a linear axis: 10-70 passes hold no power of ten to label on a log one
            written.Add(Path.GetFullPath(path));
        }
        return written;
    }

    private static List<AttributionConfig> Select(string labels)
    {
        var wanted = labels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0) throw new ArgumentException("--configs needs at least one configuration");
        return wanted.Select(w => AttributionCurves.Configs.FirstOrDefault(c => c.Label == w)
            ?? throw new ArgumentException($"--configs: no configuration '{w}'; use {string.Join(", ", AttributionCurves.Configs.Select(c => c.Label))}")).ToList();
    }

    /// <summary>"token: bo" → "token-bo".</summary>
    private static string Slug(string text) =>
        string.Join("-", text.Split(' ', ':', '/', '\\').Where(p => p.Length > 0)).ToLowerInvariant();
}
