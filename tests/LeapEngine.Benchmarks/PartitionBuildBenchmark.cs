using System.Diagnostics;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;
using static TorchSharp.torch;

namespace LeapEngine.Benchmarks;

/// <summary>
/// Exemplar-partition build throughput on stories260K against plain forward passes over the
/// same token batches, in one run: forward only, forward + activation capture, clustering
/// alone (on the captured activations) and the full build, at a theta giving thousands of regions.
/// </summary>
public sealed class PartitionBuildBenchmark : IBenchmark
{
    public string Name => "partition";
    public string Description => "EP build tokens/s vs forward tokens/s on stories260K (--texts 3000 --percentile 0.05 --batch 32 --runs 3)";

    public int Run(string[] args)
    {
        int texts = Measure.IntArg(args, "--texts", 3000);
        int batch = Measure.IntArg(args, "--batch", 32);
        int runs = Measure.IntArg(args, "--runs", 3);
        double percentile = DoubleArg(args, "--percentile", 0.05);
        string layer = args.SkipWhile(a => a != "--hook").Skip(1).FirstOrDefault() ?? "blocks.2.hook_resid_post";

        using var model = LoadStories();
        var corpus = StoryCorpus.Generate(texts, seed: 1).Concat(OtherCorpora.TechnicalText(texts / 4, seed: 1)).ToList();
        var options = new PartitionOptions
        {
            Hook = layer, Percentile = percentile, BatchSize = batch, MaxTokens = long.MaxValue, SaturationBatches = 0,
            ExamplesPerRegion = 3,
        };
        var batches = corpus.Chunk(batch).Select(c => c.Select(t => (IReadOnlyList<int>)model.Encode(t).Ids.Take(options.ContextLength).ToArray()).ToList()).ToList();
        long tokens = batches.Sum(b => b.Sum(s => (long)s.Count - 1));   // BOS is not partitioned
        Console.WriteLine($"threads: {get_num_threads()}, stories260K, {corpus.Count} texts ({texts} stories + {texts / 4} technical), " +
                          $"{tokens} tokens (BOS excluded), batch {batch}, hook {layer}, percentile {percentile}");
        Console.WriteLine($"matmul (fp32, same process): {Measure.MatmulGflops():F1} GFLOP/s");

        // The four measurements are interleaved run by run, so a machine whose load drifts
        // slows them alike and the ratios stay meaningful; each reports its median.
        var captured = ActivationStream.Stream(model, layer, corpus, PartitionPositions.AllButBos, options.ContextLength, batch)
            .Select(b => b.Activations).ToList();
        var times = new List<double>[4];
        for (int i = 0; i < 4; i++) times[i] = new List<double>();
        int regions = 0, regionsFromActivations = 0;
        for (int run = 0; run <= runs; run++)   // run 0 warms up and is not counted
        {
            var t = new double[4];
            t[0] = Time(() =>
            {
                using var noGrad = no_grad();
                foreach (var b in batches)
                {
                    using var scope = NewDisposeScope();
                    var (ids, mask) = TokenBatch.RightPadded(b, model.Device);
                    model.Network.Forward(ids, new ForwardOptions { AttentionMask = mask, LogitsFrom = -1 });
                }
            });
            t[1] = Time(() =>
            {
                foreach (var b in ActivationStream.Stream(model, layer, corpus, PartitionPositions.AllButBos, options.ContextLength, batch)) b.Dispose();
            });
            t[2] = Time(() =>
            {
                using var d = ExemplarPartitioner.BuildFromActivations(captured, options);
                regionsFromActivations = d.RegionCount;
            });
            t[3] = Time(() =>
            {
                using var d = ExemplarPartitioner.Build(model, options, corpus);
                regions = d.RegionCount;
                if (d.Info.Build.Tokens != tokens) throw new InvalidOperationException($"build saw {d.Info.Build.Tokens} tokens, expected {tokens}");
            });
            if (run == 0) continue;
            for (int i = 0; i < 4; i++) times[i].Add(t[i]);
            Console.WriteLine($"run {run}: forward {t[0]:F2} s, capture {t[1]:F2} s, clustering {t[2]:F2} s, build {t[3]:F2} s (build/forward {t[3] / t[0]:F2})");
        }
        foreach (var c in captured) c.Dispose();
        double forward = Median(times[0]), capture = Median(times[1]), clustering = Median(times[2]), build = Median(times[3]);

        Console.WriteLine($"regions: {regions} (clustering alone: {regionsFromActivations})");
        Report("plain forward", forward, tokens, forward);
        Report("forward + capture", capture, tokens, forward);
        Report("clustering alone", clustering, tokens, forward);
        Report("full build", build, tokens, forward);
        double added = build / forward - 1;
        Console.WriteLine($"build adds {100 * added:F0}% to the plain forward time (target <= 50%); " +
                          $"clustering alone is {100 * clustering / forward:F0}% of it");
        return 0;
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static void Report(string what, double seconds, long tokens, double forward) =>
        Console.WriteLine($"{what,-18} {seconds * 1000,8:F0} ms  {tokens / seconds,10:F0} tokens/s  {seconds / forward,5:F2}x forward");

    private static LanguageModel LoadStories()
    {
        var options = ModelStoreOptions.FromEnvironment();
        if (Environment.GetEnvironmentVariable("LEAP_MODELS_DIR") is null && Directory.Exists("../shared/models"))
            options = options with { ModelsDir = Path.GetFullPath("../shared/models"), Offline = true };
        using var store = new ModelStore(options);
        return LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
    }

    private static double DoubleArg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }
}
