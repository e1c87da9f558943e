using System.CommandLine;
using System.Text.Json;
using LeapEngine.Cli.Plots;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench curves — forward passes against recall of the planted key for ItP, HiPe default and HiPe PIZZA
/// (<see cref="AttributionCurves"/>), written as JSON rows and drawn as one PNG per perturbation and key density;
/// with <c>--rows</c> it redraws the figures from rows already written, without a model.
/// </summary>
public static class SynthCurvesCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A key-retrieval model folder (leap synth train --task key-retrieval)" };
        var rowsIn = new Option<string[]>("--rows") { Description = "Redraw from these JSON row files (written by --json) instead of running a model", AllowMultipleArgumentsPerToken = true };
        var lengths = new Option<string>("--lengths") { Description = "Prompt lengths in words, comma-separated", DefaultValueFactory = _ => "64,128,256,512" };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per seed, length and key density", DefaultValueFactory = _ => 5 };
        var perturbations = new Option<string[]>("--perturbation")
        {
            Description = "Perturbations to run, one per option (remove, token:X, ... as leap attribute); default remove and token: bo (replace each word by the distractor bo)",
            DefaultValueFactory = _ => ["remove", "token: bo"],
        };
        var seeds = new Option<string>("--seeds") { Description = "Benchmark seeds (each draws its own prompts), comma-separated", DefaultValueFactory = _ => "1,2" };
        var json = new Option<string?>("--json") { Description = "Write the rows as JSON to this file (rewritten after every row)" };
        var plots = new Option<string?>("--plots") { Description = "Write one PNG per perturbation and density into this folder" };
        var configs = new Option<string?>("--configs")
        {
            Description = $"Run (or, with --rows, redraw) only these configurations, comma-separated (default all: {string.Join(", ", AttributionCurves.Configs.Select(c => c.Label))})",
        };
        var name = new Option<string>("--name") { Description = "File name prefix of the PNGs", DefaultValueFactory = _ => "attribution-curves" };
        var command = new Command("curves", "Forward passes vs recall of the planted key: ItP, HiPe default and HiPe PIZZA at key densities 1%, 10%, 50%")
        {
            model, rowsIn, lengths, prompts, perturbations, seeds, configs, json, plots, name,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            List<AttributionCurveRow> rows;
            if (parse.GetValue(rowsIn) is { Length: > 0 } files)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("give --model (run the benchmark) or --rows (redraw from rows), not both");
                rows = files.SelectMany(ReadRows).ToList();
                if (parse.GetValue(configs) is { } only)
                {
                    // Redraw a subset (e.g. the declared configurations) from rows that hold more.
                    var keep = Select(only).Select(c => c.Label).ToHashSet();
                    rows = rows.Where(r => keep.Contains(r.Config)).ToList();
                    if (rows.Count == 0) throw new ArgumentException("--configs: the rows hold none of these configurations");
                }
            }
            else
            {
                var dir = parse.GetValue(model) ?? throw new ArgumentException("give --model DIR (a key-retrieval model) or --rows FILE (rows to redraw)");
                if (SyntheticModelFolder.ReadTask(dir) is not KeyRetrievalTask task)
                    throw new ArgumentException($"{dir} is not a key-retrieval model (see its synth.json)");
                int n = BenchArgs.Prompts(parse.GetValue(prompts));
                var seedList = BenchArgs.Numbers(parse.GetValue(seeds)!, "--seeds", int.MinValue, int.MaxValue);
                var perturbationList = parse.GetValue(perturbations)!;
                var configList = Select(parse.GetValue(configs));
                foreach (var p in perturbationList) Core.Attribution.PerturbationSpec.Parse(p);   // fail before hours of work, not after
                using var lm = await CliRunner.LoadModelAsync(parse, dir, ct);
                var lengthList = BenchArgs.Numbers(parse.GetValue(lengths)!, "--lengths", 1, lm.Config.ContextLength - 1);
                var status = new StatusLine();
                Console.WriteLine("| seed | perturbation | length | key density (copies) | configuration | recall@k | top is planted | mean best rank | mean forward passes | model correct |");
                Console.WriteLine("| ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |");
                var jsonPath = parse.GetValue(json);
                var done = new List<AttributionCurveRow>();
                rows = AttributionCurves.Run(lm, task, lengthList, n, configList, perturbationList, seedList,
                    status.For<string>(s => s), r =>
                    {
                        status.Clear();
                        // Rewritten after every row: a run stopped part-way (hours at 512 words on a busy machine) keeps what it finished.
                        done.Add(r);
                        if (jsonPath is not null) File.WriteAllText(jsonPath, JsonSerializer.Serialize(done, SnakeCase.Indented));
                        Console.WriteLine($"| {r.Seed} | {r.Perturbation} | {r.Length} | {r.Density} ({r.Planted}) | {r.Config} | {r.RecallAtK:F2} | {r.TopIsPlanted:F2} | {r.MeanBestRank:F1} | {r.MeanEvaluations:F1} | {r.ModelCorrect}/{r.Prompts} |");
                    }, ct);
                status.Clear();
                if (jsonPath is not null) Console.WriteLine($"wrote {Path.GetFullPath(jsonPath)}");
            }
            WriteSummary(rows);
            WriteCells(rows);
            if (parse.GetValue(plots) is { } folder)
                foreach (var file in Draw(rows, folder, parse.GetValue(name)!)) Console.WriteLine($"wrote {file}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// One PNG per perturbation and density: a line per configuration through its lengths (x: mean forward passes,
    /// y: recall@k), pooled over seeds weighted by their prompts (<see cref="AttributionCurves.Pool"/>).
    /// </summary>
    public static List<string> Draw(IReadOnlyList<AttributionCurveRow> rows, string folder, string prefix)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows to draw");
        var written = new List<string>();
        foreach (var cell in AttributionCurves.Pool(rows).GroupBy(c => (c.Perturbation, c.Density)))
        {
            var series = cell.GroupBy(c => c.Config)
                .Select(config =>
                {
                    var points = config.OrderBy(c => c.Length).ToList();
                    return new PlotSeries(config.Key, points.Select(p => p.MeanEvaluations).ToList(), points.Select(p => p.RecallAtK).ToList());
                }).ToList();
            var lengths = string.Join(", ", cell.Select(c => c.Length).Distinct().Order());
            var seeds = string.Join(", ", cell.SelectMany(c => c.Seeds).Distinct().Order());
            var prompts = string.Join("/", cell.Select(c => c.Prompts).Distinct().Order());
            var path = Path.Combine(folder, $"{prefix}-{Slug(cell.Key.Perturbation)}-{Slug(cell.Key.Density)}.png");
            BenchPlot.SaveLines(path,
                $"density {cell.Key.Density}, {cell.Key.Perturbation.Trim()}; lengths {lengths}; seeds {seeds}, {prompts} prompts",
                "mean forward passes per prompt", "recall@k of the planted key", series, logX: true, yRange: (-0.02, 1.02));
            written.Add(Path.GetFullPath(path));
        }
        return written;
    }

    /// <summary>Every cell pooled over seeds, with each seed's own recall@k beside the pooled mean.</summary>
    private static void WriteCells(IReadOnlyList<AttributionCurveRow> rows)
    {
        Console.WriteLine();
        Console.WriteLine("| perturbation | length | key density (copies) | configuration | recall@k | recall@k per seed | top is planted | mean best rank | mean forward passes | prompts | model correct |");
        Console.WriteLine("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in AttributionCurves.Pool(rows))
            Console.WriteLine($"| {c.Perturbation} | {c.Length} | {c.Density} ({c.Planted}) | {c.Config} | {c.RecallAtK:F2} | {string.Join(" / ", c.SeedRecalls.Select(r => r.ToString("F2")))} | {c.TopIsPlanted * c.Prompts:F0}/{c.Prompts} | {c.MeanBestRank:F1} | {c.MeanEvaluations:F1} | {c.Prompts} | {c.ModelCorrect}/{c.Prompts} |");
    }

    private static void WriteSummary(IReadOnlyList<AttributionCurveRow> rows)
    {
        Console.WriteLine();
        Console.WriteLine("| family | configuration | mean recall@k | mean forward passes | cells |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var s in AttributionCurves.Summary(rows))
            Console.WriteLine($"| {s.Family} | {s.Config} | {s.RecallAtK:F3} | {s.MeanEvaluations:F1} | {s.Cells} |");
    }

    private static List<AttributionCurveRow> ReadRows(string file)
    {
        if (!File.Exists(file)) throw new ArgumentException($"--rows: no file {file}");
        try
        {
            return JsonSerializer.Deserialize<List<AttributionCurveRow>>(File.ReadAllText(file), SnakeCase.Indented)
                ?? throw new ArgumentException($"--rows: {file} holds no rows");
        }
        catch (JsonException e) { throw new ArgumentException($"--rows: {file} is not a list of curve rows ({e.Message})"); }
    }

    private static IReadOnlyList<AttributionConfig> Select(string? labels)
    {
        if (labels is null) return AttributionCurves.Configs;
        var wanted = labels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0) throw new ArgumentException("--configs needs at least one configuration");
        return wanted.Select(w => AttributionCurves.Configs.FirstOrDefault(c => c.Label == w)
            ?? throw new ArgumentException($"--configs: no configuration '{w}'; use {string.Join(", ", AttributionCurves.Configs.Select(c => c.Label))}")).ToList();
    }

    /// <summary>"remove" → "remove", "token: bo" → "token-bo", "10%" → "10pct".</summary>
    private static string Slug(string text) =>
        string.Join("-", text.Replace("%", "pct").Split(' ', ':', '/', '\\').Where(p => p.Length > 0)).ToLowerInvariant();
}
