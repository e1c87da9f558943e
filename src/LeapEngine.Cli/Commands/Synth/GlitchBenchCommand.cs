using System.CommandLine;
using System.Text.Json;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench glitch — precision and recall of the glitch finder against the words a glitch model never saw
/// in training, beside its random control, at its default and other numbers of tokens tested at each end.
/// </summary>
public static class GlitchBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A glitch model folder (leap synth train --task glitch)" };
        var rowsIn = new Option<string[]>("--rows")
        {
            Description = "Redraw the figure from these JSON files (written by --json) instead of running a model: FILE or LABEL=FILE (default label: the file name)",
            AllowMultipleArgumentsPerToken = true,
        };
        var plots = new Option<string?>("--plots") { Description = "Write the figure (precision and recall per --top, beside the control and a random pick) into this folder" };
        var name = new Option<string>("--name") { Description = "File name of the PNG, without .png", DefaultValueFactory = _ => "glitch" };
        var tops = new Option<string>("--tops") { Description = "Tokens tested at each end of the centroid ordering, comma-separated (the finder's --top)", DefaultValueFactory = _ => string.Join(",", GlitchBench.StandardTops) };
        var control = new Option<int>("--control-sample") { Description = "Random tokens in the finder's control", DefaultValueFactory = _ => 50 };
        var seed = new Option<long>("--seed") { Description = "Seed of the finder's control sample", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Also write the rows and the embedding check as JSON to this file" };
        var command = new Command("glitch", "Precision and recall of the glitch finder against planted never-trained words, beside its random control")
        {
            model, tops, control, seed, json, rowsIn, plots, name,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(rowsIn) is { Length: > 0 } files)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("give --model (run the benchmark) or --rows (redraw from rows), not both");
                var folder = parse.GetValue(plots) ?? throw new ArgumentException("--rows redraws the figure: give --plots FOLDER");
                var models = files.Select(BenchRows.Labelled).Select(f => (f.Label, BenchRows.Read<GlitchBenchFile>(f.File, "glitch rows"))).ToList();
                Console.WriteLine($"wrote {GlitchBenchFigures.Draw(models, folder, parse.GetValue(name)!)}");
                return 0;
            }
            var dir = parse.GetValue(model) ?? throw new ArgumentException("give --model DIR (a glitch model) or --rows FILE (rows to redraw)");
            if (SyntheticModelFolder.ReadTask(dir) is not GlitchTask task)
                throw new ArgumentException($"{dir} is not a glitch model (see its synth.json)");
            int trainingSeed = SyntheticModelFolder.ReadSeed(dir);
            var topList = BenchArgs.Numbers(parse.GetValue(tops)!, "--tops", 1, 10_000);
            int sample = parse.GetValue(control);
            if (sample is < 0 or > 10_000) throw new ArgumentException($"--control-sample must be in [0, 10000], got {sample}");
            using var lm = await CliRunner.LoadModelAsync(parse, dir, ct);
            var rows = GlitchBench.Run(lm, task, topList, sample, parse.GetValue(seed), ct);
            var check = GlitchBench.Embeddings(lm, task, trainingSeed);
            Console.WriteLine($"planted glitch words: {task.Glitches.Count} of {rows[0].AllowedTokens} allowed tokens (base rate {rows[0].BaseRate:P1})");
            Console.WriteLine("| top | tested | flagged | planted flagged | precision | recall | planted among nearest | control flagged (of tested) | planted among control flagged | control precision | control repeat rate |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in rows)
                Console.WriteLine($"| {r.Top} | {r.Tested} | {r.Flagged} | {r.PlantedFlagged} | {r.Precision:F2} | {r.Recall:F2} | {r.PlantedAmongNearest} | {r.ControlFlagged}/{r.ControlTested} | {r.PlantedAmongControlFlagged} | {(r.ControlPrecision is double p ? p.ToString("F2") : "-")} | {(r.ControlRepeatRate is double c ? c.ToString("F2") : "-")} |");
            Console.WriteLine($"embeddings: planted rows moved {check.PlantedMeanRelativeChange:P2} (max {check.PlantedMaxRelativeChange:P2}) from their initial values, norm ratio {check.PlantedMeanNormRatio:F4}; trained rows moved {check.TrainedMeanRelativeChange:P0}");
            Console.WriteLine($"centroid ranks of the planted words (1 = nearest of {check.AllowedTokens}): mean {check.PlantedMeanCentroidRank:F1}, worst {check.PlantedWorstCentroidRank}");
            var written = new GlitchBenchFile(rows, check);
            if (parse.GetValue(json) is { } path) File.WriteAllText(path, JsonSerializer.Serialize(written, SnakeCase.Indented));
            if (parse.GetValue(plots) is { } plotFolder)
                Console.WriteLine($"wrote {GlitchBenchFigures.Draw([($"seed {trainingSeed}", written)], plotFolder, parse.GetValue(name)!)}");
            return 0;
        });
        return command;
    }
}
