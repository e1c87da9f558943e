using System.Diagnostics;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.Models;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;
using LeapEngine.Core.Tokenization;
using static TorchSharp.torch;

namespace LeapEngine.Benchmarks;

/// <summary>
/// ItP cost, token units, remove: (a) naive (one full forward per perturbation, all logits),
/// (b) batched (completion logits only), (c) batched + prefix KV cache; prompts of 64, 256 and
/// 1024 tokens with a 16-token completion, on stories260K (context 512: longer prompts are
/// cut to what fits) and a random GPT-2-small-shaped model. Also checks (b) and (c) against (a).
/// </summary>
public sealed class AttributionCostBenchmark : IBenchmark
{
    public string Name => "attribution-cost";
    public string Description => "ItP naive vs batched vs batched+prefix cache at 64/256/1024 prompt tokens (--lengths 64,256,1024 --sample-above 256 --sample 64 --sample-models stories,gpt2 --repeats 3 --models stories,gpt2 --modes naive,batched,cached[,batched1,cached1,cached-padded,cached:4] --batch 32 --batch-tokens 8192 --workers N)";

    public int Run(string[] args)
    {
        var lengths = Arg(args, "--lengths", "64,256,1024").Split(',').Select(int.Parse).ToArray();
        var models = Arg(args, "--models", "stories,gpt2").Split(',');
        int sampleAbove = Measure.IntArg(args, "--sample-above", 256), sample = Measure.IntArg(args, "--sample", 64);
        // Sampling only for the models named (default all): GPT-2's naive mode needs it at 256 tokens, stories260K's does not.
        var sampled = Arg(args, "--sample-models", string.Join(',', models)).Split(',');
        int repeats = Measure.IntArg(args, "--repeats", 3);
        var defaults = new EvaluationOptions();
        var batching = defaults with
        {
            MaxBatchSize = Measure.IntArg(args, "--batch", defaults.MaxBatchSize),
            MaxBatchTokens = Measure.IntArg(args, "--batch-tokens", defaults.MaxBatchTokens),
            Workers = Measure.IntArg(args, "--workers", defaults.Workers),
        };
        const int completionLength = 16;
        Console.WriteLine($"threads: {get_num_threads()}; batched modes' workers: {(batching.Workers > 0 ? batching.Workers : $"{InterOpWorkers.DefaultFor(CPU)} (automatic)")}, '1' modes: one worker on all intra-op threads; load average at start: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; matmul (fp32, same process): {Measure.MatmulGflops():F1} GFLOP/s");
        Console.WriteLine("| model | prompt tokens | perturbations run | mode | wall s, best of rounds (all n+1) | forward tokens (all n+1) | speed-up vs naive | max |diff| vs naive |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var name in models)
        {
            using var lm = name == "stories" ? LoadStories() : Gpt2Small();
            foreach (int requested in lengths)
            {
                int n = Math.Min(requested, lm.Config.ContextLength - completionLength);
                var prompt = PromptOf(lm, n);
                var completion = TextGeneratorCompletion(lm, prompt, completionLength);
                var perturber = new Perturber(lm, prompt, PerturbationSpec.Remove);
                int first = lm.AddsBosByDefault ? 1 : 0;
                // Long prompts: naive runs an evenly spaced sample of units, scaled up (its cost per
                // perturbation does not depend on the position); the batched modes run every unit, since
                // their cost does depend on which perturbations share a batch.
                int stride = n > sampleAbove && sampled.Contains(name) ? Math.Max(1, (n - first) / sample) : 1;
                var all = Enumerable.Range(first, n - first).Select(p => perturber.Apply([p])).Prepend(perturber.Apply([])).ToList();
                var sampledIndex = Enumerable.Range(0, all.Count).Where(i => i == 0 || (i - 1) % stride == 0).ToList();
                var modes = Arg(args, "--modes", "naive,batched,cached").Split(',').Prepend("naive").Distinct().ToArray();
                var best = modes.ToDictionary(m => m, _ => double.MaxValue);
                var results = new Dictionary<string, (float[][] LogProbs, long Tokens)>();
                // Modes interleaved and the fastest of several rounds kept: a shared machine's load then hits all three alike.
                for (int round = 0; round < repeats; round++)
                    foreach (var mode in modes)
                    {
                        bool naive = mode == "naive";
                        var items = naive ? sampledIndex.Select(i => all[i]).ToList() : all;
                        double scale = (double)all.Count / items.Count;
                        var options = OptionsFor(mode, batching);
                        var evaluator = new PerturbationEvaluator(lm.Network, prompt, completion, options);
                        if (round == 0) evaluator.LogProbs(items.Take(2).ToList());   // warm-up
                        evaluator = new PerturbationEvaluator(lm.Network, prompt, completion, options);
                        var sw = Stopwatch.StartNew();
                        var logProbs = evaluator.LogProbs(items);
                        best[mode] = Math.Min(best[mode], sw.Elapsed.TotalSeconds * scale);
                        var full = naive ? logProbs : sampledIndex.Select(i => logProbs[i]).ToArray();
                        results[mode] = (full, (long)(evaluator.ForwardTokens * scale));
                    }
                var reference = results["naive"].LogProbs;
                double naiveSeconds = best["naive"];
                foreach (var mode in modes)
                {
                    double seconds = best[mode];
                    var result = results[mode].LogProbs;
                    double diff = result.Zip(reference).Max(p => p.First.Zip(p.Second).Max(x => Math.Abs(x.First - x.Second)));
                    string run = stride > 1 && mode == "naive" ? $"{sampledIndex.Count} of {all.Count} (scaled)" : $"{all.Count}";
                    string label = name == "stories" ? "stories260K" : "gpt2-small-shaped (random)";
                    string cut = n < requested ? $" (asked {requested}; context 512)" : "";
                    Console.WriteLine($"| {label} | {n}{cut} | {run} | {Label(mode)} | {seconds:F2} | {results[mode].Tokens} | {naiveSeconds / seconds:F1}x | {diff:E1} |");
                }
            }
        }
        return 0;
    }

    private static string Label(string mode) => mode.Split(':') is [var name, var rows]
        ? $"{Label(name)}, batch {rows}"
        : mode switch
    {
        "batched1" => "Batched, 1 worker",
        "cached1" => "BatchedPrefixCache, 1 worker",
        "batched-padded" => "Batched, padded rows",
        "cached-padded" => "BatchedPrefixCache, padded rows",
        _ => OptionsFor(mode, new EvaluationOptions()).Mode.ToString(),
    };

    /// <summary>
    /// naive, batched, cached; batched1 / cached1: the same on one worker (libtorch's intra-op
    /// threads only); batched-padded / cached-padded: one left-padded row per prompt instead of
    /// packed rows (the GPU layout); MODE:B = at most B rows per batch.
    /// </summary>
    private static EvaluationOptions OptionsFor(string mode, EvaluationOptions batching) => mode.Split(':') is [var name, var rows]
        ? OptionsFor(name, batching) with { MaxBatchSize = int.Parse(rows) }
        : mode switch
    {
        "naive" => batching with { Mode = EvaluationMode.Naive },
        "batched" => batching with { Mode = EvaluationMode.Batched },
        "cached" => batching with { Mode = EvaluationMode.BatchedPrefixCache },
        "batched1" => batching with { Mode = EvaluationMode.Batched, Workers = 1 },
        "cached1" => batching with { Mode = EvaluationMode.BatchedPrefixCache, Workers = 1 },
        "batched-padded" => batching with { Mode = EvaluationMode.Batched, Layout = BatchLayout.Padded },
        "cached-padded" => batching with { Mode = EvaluationMode.BatchedPrefixCache, Layout = BatchLayout.Padded },
        _ => throw new ArgumentException($"unknown mode '{mode}': use naive, batched, cached, batched1, cached1, batched-padded or cached-padded"),
    };

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static LanguageModel LoadStories()
    {
        using var store = new ModelStore(ModelStoreOptions.FromEnvironment() with { Offline = true });
        return LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
    }

    private static LanguageModel Gpt2Small()
    {
        var config = new ModelConfig
        {
            Architecture = Architecture.Gpt2, ModelType = "gpt2", VocabSize = 50257, DModel = 768, NLayers = 12,
            NHeads = 12, NKvHeads = 12, DHead = 64, DMlp = 3072, ContextLength = 1040, NormEps = 1e-5,
            Activation = "gelu_new", TiedEmbeddings = true,
        };
        return new LanguageModel("gpt2-small-random", TransformerFactory.CreateRandom(config, seed: 0), Gpt2Tokenizer.FromTiktokenData());
    }

    /// <summary>Exactly n prompt tokens: a story repeated and cut (BOS first where the model uses it).</summary>
    private static int[] PromptOf(LanguageModel lm, int n)
    {
        const string story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her red ball. ";
        var ids = lm.Encode(string.Concat(Enumerable.Repeat(story, 1 + n / 10))).Ids;
        return ids.Take(n).ToArray();
    }

    private static int[] TextGeneratorCompletion(LanguageModel lm, int[] prompt, int length) =>
        TextGenerator.Generate(lm.Network, prompt, new GenerationOptions { MaxNewTokens = length, StopAtEos = false });
}
