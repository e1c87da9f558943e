using System.CommandLine;
using System.Text.Json;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench partition — Exemplar Partitioning against the planted categories of a latent-categories model:
/// purity and AMI of regions, ablation specificity, and out-of-set AUROC against easy, hard and null contrasts; its
/// figures (<see cref="PartitionBenchFigures"/>) from the run, or with <c>--rows</c> redrawn from several models' results.
/// </summary>
public static class PartitionBenchCommand
{
    public static Command Create()
    {
        var defaults = new PartitionBenchOptions();
        var model = new Option<string?>("--model", "-m") { Description = "A latent-categories model folder (leap synth train --task latent-categories)" };
        var rowsIn = new Option<string[]>("--rows")
        {
            Description = "Redraw the figures from these JSON results (written by --json) instead of running a model: FILE or LABEL=FILE (default label: the file name)",
            AllowMultipleArgumentsPerToken = true,
        };
        var plots = new Option<string?>("--plots") { Description = "Write the figures (agreement, ablation, out-of-set AUROC) into this folder" };
        var name = new Option<string>("--name") { Description = "File name prefix of the PNGs", DefaultValueFactory = _ => "partition" };
        var hooks = new Option<string>("--hooks") { Description = "Hook points, comma-separated: one dictionary each", DefaultValueFactory = _ => string.Join(",", defaults.Hooks) };
        var corpus = new Option<int>("--corpus-prompts") { Description = "Task prompts the dictionary is built on", DefaultValueFactory = _ => defaults.CorpusPrompts };
        var length = new Option<int>("--length") { Description = "Words per prompt", DefaultValueFactory = _ => defaults.Length };
        var percentile = new Option<double>("--percentile") { Description = "EP threshold percentile", DefaultValueFactory = _ => defaults.Percentile };
        var probes = new Option<int>("--probe-prompts") { Description = "Fresh prompts assigned to regions (purity, AMI, region matching)", DefaultValueFactory = _ => defaults.ProbePrompts };
        var ablation = new Option<int>("--ablation-prompts") { Description = "Fresh prompts per category for the ablations", DefaultValueFactory = _ => defaults.AblationPromptsPerCategory };
        var maxRegions = new Option<int>("--max-ablated-regions") { Description = "Most regions ablated together for one category", DefaultValueFactory = _ => defaults.MaxAblatedRegions };
        var ood = new Option<int>("--ood-prompts") { Description = "Texts per side of each out-of-set comparison", DefaultValueFactory = _ => defaults.OodPrompts };
        var seed = new Option<int>("--seed") { Description = "Seed of the benchmark's prompts", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file" };
        var command = new Command("partition", "Exemplar Partitioning against planted categories: purity/AMI, ablation specificity, out-of-set AUROC")
        {
            model, hooks, corpus, length, percentile, probes, ablation, maxRegions, ood, seed, json, rowsIn, plots, name,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(rowsIn) is { Length: > 0 } files)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("give --model (run the benchmark) or --rows (redraw from results), not both");
                var folder = parse.GetValue(plots) ?? throw new ArgumentException("--rows redraws figures: give --plots FOLDER");
                var models = files.Select(BenchRows.Labelled)
                    .Select(f => (f.Label, (IReadOnlyList<PartitionBenchResult>)BenchRows.Read<List<PartitionBenchResult>>(f.File, "partition results"))).ToList();
                foreach (var file in PartitionBenchFigures.Draw(models, folder, parse.GetValue(name)!)) Console.WriteLine($"wrote {file}");
                return 0;
            }
            var dir = parse.GetValue(model) ?? throw new ArgumentException("give --model DIR (a latent-categories model) or --rows FILE (results to redraw)");
            if (SyntheticModelFolder.ReadTask(dir) is not LatentCategoryTask task)
                throw new ArgumentException($"{dir} is not a latent-categories model (see its synth.json)");
            var options = new PartitionBenchOptions
            {
                Hooks = parse.GetValue(hooks)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                CorpusPrompts = parse.GetValue(corpus), Length = parse.GetValue(length), Percentile = parse.GetValue(percentile),
                ProbePrompts = parse.GetValue(probes), AblationPromptsPerCategory = parse.GetValue(ablation),
                MaxAblatedRegions = parse.GetValue(maxRegions), OodPrompts = parse.GetValue(ood), Seed = parse.GetValue(seed),
            };
            options.Validate();
            using var lm = await CliRunner.LoadModelAsync(parse, dir, ct);
            var status = new StatusLine();
            var results = PartitionBench.Run(lm, task, options, status.For<string>(s => s), ct);
            status.Clear();
            Print(results);
            if (parse.GetValue(json) is { } path) File.WriteAllText(path, JsonSerializer.Serialize(results, SnakeCase.Indented));
            if (parse.GetValue(plots) is { } plotFolder)
                foreach (var file in PartitionBenchFigures.Draw([($"seed {SyntheticModelFolder.ReadSeed(dir)}", results)], plotFolder, parse.GetValue(name)!))
                    Console.WriteLine($"wrote {file}");
            return 0;
        });
        return command;
    }

    private static void Print(IReadOnlyList<PartitionBenchResult> results)
    {
        Console.WriteLine("| hook | regions | theta | labels | positions | regions used | purity | AMI |");
        Console.WriteLine("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            foreach (var a in r.Agreement)
                Console.WriteLine($"| {r.Hook} | {r.Regions} | {r.Theta:F3} | {a.Labels} | {a.Items} | {a.RegionsUsed} | {a.Purity:F3} | {a.Ami:F3} |");
        Console.WriteLine();
        Console.WriteLine("| hook | ablated | mean regions | mean drop on the category | mean drop on the others | mean specificity | categories with a region |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            foreach (var g in r.Ablation.GroupBy(a => a.Selection))
                Console.WriteLine($"| {r.Hook} | {g.Key} | {g.Average(a => a.Regions.Length):F1} | {g.Average(a => a.CategoryDrop):F3} | {g.Average(a => a.OthersDrop):F3} | {g.Average(a => a.Specificity):F3} | {g.Count(a => a.Regions.Length > 0)}/{g.Count()} |");
        Console.WriteLine();
        Console.WriteLine("| hook | out-of-set texts | difficulty | AUROC (mean distance) | AUROC (max distance) | AUROC (fraction beyond theta) |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: |");
        foreach (var r in results)
            foreach (var o in r.Ood)
                Console.WriteLine($"| {r.Hook} | {o.OutSet} | {o.Difficulty} | {o.AurocMean:F3} | {o.AurocMax:F3} | {o.AurocBeyondTheta:F3} |");
    }
}
