using System.CommandLine;
using System.Text.Json;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Commands;

/// <summary>
/// leap partition — Exemplar Partitioning: build a dictionary of activation-space regions from
/// a corpus, read it, assign and score texts against it, steer or ablate regions, match two.
/// </summary>
public static partial class PartitionCommand
{
    /// <summary>The product's one dialect: `--json` output reads like the API's responses.</summary>
    private static readonly JsonSerializerOptions Json = SnakeCase.Indented;

    public static Command Create()
    {
        var command = new Command("partition", "Exemplar Partitioning: build, show, assign, score, steer, ablate and match activation-space dictionaries");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Assign());
        command.Subcommands.Add(Score());
        command.Subcommands.Add(Steer());
        command.Subcommands.Add(Ablate());
        command.Subcommands.Add(Match());
        return command;
    }

    private static Command Build()
    {
        var model = CommonOptions.Model();
        var corpus = new Option<string>("--corpus", "-c") { Description = "Corpus: " + CorpusSource.Help, Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Dictionary file to write (.safetensors)", Required = true };
        var hook = new Option<string?>("--hook") { Description = "Hook point (default blocks.{layers/2}.hook_resid_post)" };
        var layer = new Option<int?>("--layer") { Description = "Shorthand for --hook blocks.N.hook_resid_post" };
        var metric = EnumOption.Create("--metric", "Distance: cosine as in the paper", PartitionMetric.Cosine);
        var last = new Option<bool>("--last-only") { Description = "Only each text's last token (default: every token but BOS)" };
        var percentile = new Option<double>("--percentile", "-p") { Description = "Theta as this percentile of within-batch pair distances (smaller: more, tighter regions)", DefaultValueFactory = _ => 5 };
        var theta = new Option<double?>("--theta") { Description = "Explicit distance threshold instead of --percentile" };
        var maxTokens = new Option<long>("--max-tokens") { Description = "Stop after this many tokens", DefaultValueFactory = _ => 200_000 };
        var batch = new Option<int>("--batch-size") { Description = "Texts per forward pass", DefaultValueFactory = _ => 32 };
        var context = new Option<int>("--context") { Description = "Cut texts to this many tokens", DefaultValueFactory = _ => 128 };
        var calibration = new Option<int>("--calibration-batches") { Description = "Batches that fix the centre and theta", DefaultValueFactory = _ => 4 };
        var saturation = new Option<int>("--saturation") { Description = "Stop after this many batches without a new region (0: never)", DefaultValueFactory = _ => 20 };
        var examples = new Option<int>("--examples") { Description = "Closest and farthest examples kept per region", DefaultValueFactory = _ => 5 };
        var seed = CommonOptions.Seed();
        var command = new Command("build", "Build a dictionary: leader-cluster a corpus's activations at one hook point")
        {
            model, corpus, output, hook, layer, metric, last, percentile, theta, maxTokens, batch, context, calibration, saturation, examples, seed,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(hook) is not null && parse.GetValue(layer) is not null) throw new ArgumentException("give --hook or --layer, not both");
            // Theta decides alone when given: a percentile typed beside it would be silently ignored, so refuse the pair.
            if (parse.GetValue(theta) is not null && parse.GetResult(percentile) is { Implicit: false })
                throw new ArgumentException("give --percentile or --theta, not both (theta is the threshold itself; percentile derives it)");
            var options = new PartitionOptions
            {
                Hook = parse.GetValue(layer) is int l ? $"blocks.{l}.hook_resid_post" : parse.GetValue(hook),
                Metric = EnumOption.Parse<PartitionMetric>(parse.GetValue(metric), "--metric"),
                Positions = parse.GetValue(last) ? PartitionPositions.LastOnly : PartitionPositions.AllButBos,
                Percentile = parse.GetValue(percentile),
                Theta = parse.GetValue(theta),
                MaxTokens = parse.GetValue(maxTokens),
                BatchSize = parse.GetValue(batch),
                ContextLength = parse.GetValue(context),
                CalibrationBatches = parse.GetValue(calibration),
                SaturationBatches = parse.GetValue(saturation),
                ExamplesPerRegion = parse.GetValue(examples),
                Seed = parse.GetValue(seed),
                CorpusDescription = parse.GetValue(corpus)!,
            };
            options.Validate();
            using var lm = await CliRunner.LoadModelAsync(parse, parse.GetValue(model)!, ct);
            var status = new StatusLine();
            var progress = status.For<ProgressUpdate>(value => $"building: {value.Done} tokens (max {value.Total}), {value.Message}");
            using var dictionary = ExemplarPartitioner.Build(lm, options, CorpusSource.Open(parse.GetValue(corpus)!, lm), progress, ct);
            status.Clear();
            var path = parse.GetValue(output)!;
            dictionary.Save(path);
            PrintSummary(dictionary);
            Console.WriteLine($"wrote {Path.GetFullPath(path)} ({new FileInfo(path).Length / 1024} KiB)");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var dict = DictOption();
        var top = new Option<int>("--top") { Description = "How many regions to list (largest first)", DefaultValueFactory = _ => 10 };
        var region = new Option<int?>("--region") { Description = "Show only this region" };
        var examples = new Option<int>("--examples") { Description = "Examples per region to print", DefaultValueFactory = _ => 3 };
        var json = JsonOption();
        var command = new Command("show", "Print a dictionary's settings, intrinsic metrics and largest regions with examples") { dict, top, region, examples, json };
        CliRunner.SetAction(command, (parse, ct) =>
        {
            using var d = ExemplarDictionary.Load(parse.GetValue(dict)!);
            var regions = parse.GetValue(region) is int r
                ? [d.Regions().ElementAtOrDefault(r) ?? throw new ArgumentException($"region {r} does not exist; regions are 0..{d.RegionCount - 1}")]
                : d.Regions(largestFirst: true).Take(Math.Max(0, parse.GetValue(top))).ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { info = d.Info, metrics = PartitionMetrics.Compute(d), regions }, Json));
                return Task.FromResult(0);
            }
            PrintSummary(d);
            foreach (var s in regions) PrintRegion(s, parse.GetValue(examples));
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Match()
    {
        var a = new Option<string>("--a") { Description = "First dictionary file", Required = true };
        var b = new Option<string>("--b") { Description = "Second dictionary file (same width)", Required = true };
        var threshold = new Option<double>("--threshold") { Description = "Cosine at which a matched pair persists", DefaultValueFactory = _ => DictionaryMatcher.DefaultThreshold };
        var top = new Option<int>("--top") { Description = "Persisted pairs to print (best first)", DefaultValueFactory = _ => 10 };
        var json = JsonOption();
        var command = new Command("match", "Match two dictionaries' regions one to one by exemplar cosine (Hungarian); report persisted, dropped, introduced")
        {
            a, b, threshold, top, json,
        };
        CliRunner.SetAction(command, (parse, ct) =>
        {
            using var da = ExemplarDictionary.Load(parse.GetValue(a)!);
            using var db = ExemplarDictionary.Load(parse.GetValue(b)!);
            var match = DictionaryMatcher.Match(da, db, parse.GetValue(threshold));
            if (parse.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(match, Json)); return Task.FromResult(0); }
            Console.WriteLine($"A: {match.A} ({match.ARegions} regions)   B: {match.B} ({match.BRegions} regions)");
            Console.WriteLine($"persisted {match.Persisted.Count} (mean cosine {match.MeanPersistedCosine:F3}), dropped {match.Dropped.Length}, " +
                              $"introduced {match.Introduced.Length}; threshold {match.Threshold}; {match.Components} components, largest {match.LargestComponent}");
            var exA = da.Examples;
            var exB = db.Examples;
            foreach (var p in match.Persisted.OrderByDescending(p => p.Cosine).Take(Math.Max(0, parse.GetValue(top))))
                Console.WriteLine($"  {p.A,6} -> {p.B,-6} cos {p.Cosine:F3}   {exA[p.A].Exemplar?.Snippet}   |   {exB[p.B].Exemplar?.Snippet}");
            return Task.FromResult(0);
        });
        return command;
    }

    internal static Option<string> DictOption() => new("--dict", "-d") { Description = "Dictionary file written by 'leap partition build'", Required = true };

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print the result as JSON" };

    private static void PrintSummary(ExemplarDictionary d)
    {
        var i = d.Info;
        var m = PartitionMetrics.Compute(d);
        Console.WriteLine($"dictionary: {i.ModelId} {i.Hook}, {i.Metric}, {i.Positions}, width {i.Width}, theta {i.Theta:G5}" +
                          (i.Percentile is double p ? $" (percentile {p})" : " (given)"));
        Console.WriteLine($"corpus: {i.CorpusDescription}; {i.Build.Tokens} tokens in {i.Build.Batches} batches, stopped: {i.Build.StopReason}, {i.Build.Seconds:F1} s");
        Console.WriteLine($"regions {m.Regions} (singletons {m.Singletons}), coverage {m.Coverage:F4}, Gini {m.Gini:F3}, effective regions {m.EffectiveRegions:F1}, " +
                          $"mean intra distance {m.MeanIntraDistance:F4}, separation ratio {m.SeparationRatio:F3} (min {m.MinSeparationRatio:F3})");
    }

    private static void PrintRegion(RegionSummary s, int examples)
    {
        Console.WriteLine();
        Console.WriteLine($"region {s.Id}: {s.Count} tokens, coherence {s.Coherence:F3}, mean distance {s.MeanDistance:F4}");
        if (s.Examples.Exemplar is { } e) Console.WriteLine($"  exemplar  {e.Snippet}");
        foreach (var x in s.Examples.Closest.Take(examples)) Console.WriteLine($"  close {x.Distance:F3} {x.Snippet}");
        foreach (var x in s.Examples.Farthest.Take(examples)) Console.WriteLine($"  far   {x.Distance:F3} {x.Snippet}");
    }
}
