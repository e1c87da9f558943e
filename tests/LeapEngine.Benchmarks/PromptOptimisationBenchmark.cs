using System.Diagnostics;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Benchmarks;

/// <summary>
/// Prompt optimisation on stories260K: target tiers (easy words and phrases, harder TinyStories
/// phrases, exact next-token continuations, held-out phrases; see <see cref="PromptOptimisationTargets"/>), each
/// searched by embedding descent, GCG and the hybrid over several seeds, at equal steps and at
/// equal counted work (<see cref="OptimisationRequest.MaxWork"/>, forward-token equivalents).
/// Reports success rate, targets solved, steps and work to the first verified prompt, its target
/// log-probability and prompt perplexity. Needs LEAP_MODELS_DIR (or --models-dir) with stories260K.
/// </summary>
public sealed class PromptOptimisationBenchmark : IBenchmark
{
    public string Name => "optimise";
    public string Description => "Prompt optimisation on stories260K: descent vs GCG vs hybrid (--seeds 3 --first-seed 0 --tiers easy,hard,exact,phrases " +
                                 "--views steps,work --steps 60 --work 40000 --methods descent,gcg,hybrid,hybrid-sequential,hybrid-chain,hybrid-anchored-random " +
                                 "--targets \" ball| the park\" --check-targets --models-dir DIR)";

    private sealed record Row(string View, string Tier, string Method, string Target, OptimisationResult Result, double CpuSeconds);

    public int Run(string[] args)
    {
        int seeds = Measure.IntArg(args, "--seeds", 3);
        // Seeds firstSeed .. firstSeed + seeds - 1: tuning runs use other seeds than the reported ones.
        int firstSeed = Measure.IntArg(args, "--first-seed", 0);
        int steps = Measure.IntArg(args, "--steps", 60);
        long work = (long)DoubleArg(args, "--work", 40_000);
        int length = Measure.IntArg(args, "--length", 4);
        int candidates = Measure.IntArg(args, "--candidates", 8);
        double lr = DoubleArg(args, "--lr", 0.1), lambda = DoubleArg(args, "--lambda", 1.0), fraction = DoubleArg(args, "--hybrid-fraction", 0.3);
        var init = Enum.Parse<PromptInitialisation>(StringArg(args, "--init", "Centroids"), ignoreCase: true);
        var defaults = new AnchoredHybridOptions();
        int descentSteps = Measure.IntArg(args, "--descent-steps", defaults.DescentSteps), nearest = Measure.IntArg(args, "--nearest", defaults.NearestTokens);
        double hybridLr = DoubleArg(args, "--hybrid-lr", defaults.Descent.LearningRate);
        int stallSteps = Measure.IntArg(args, "--stall-steps", new ReseedHybridOptions().StallSteps);
        var tuning = new Tuning(lr, lambda, fraction, descentSteps, nearest, hybridLr, stallSteps);
        // "hybrid": the default hybrid (anchored); "hybrid-anchored", "hybrid-chain", "hybrid-sequential": that variant;
        // "hybrid-best": the sequential hybrid with HybridBestReadouts (GCG starts from the best descent readouts by exact loss);
        // a "-random" suffix is the ablation with random proposals in place of descent's, "-pez" makes descent straight-through.
        // A "-wN" suffix sets the target window (the loss looks for the target after up to N greedy tokens).
        var methods = StringArg(args, "--methods", "descent,gcg,hybrid").Split(',').Select(ParseMethod).ToArray();
        var tiers = StringArg(args, "--tiers", "easy,hard,exact").Split(',')
            .Select(t => PromptOptimisationTargets.All.FirstOrDefault(x => x.Name == t) ?? throw new ArgumentException($"unknown tier {t}")).ToArray();
        var views = StringArg(args, "--views", "steps,work").Split(',');
        // Optional subset of the tiers' targets, separated by '|' (targets hold spaces and commas).
        var only = StringArg(args, "--targets", "") is { Length: > 0 } list ? list.Split('|').ToHashSet() : null;
        int i = Array.IndexOf(args, "--models-dir");
        var options = ModelStoreOptions.FromEnvironment() with { Offline = true };
        if (i >= 0 && i + 1 < args.Length) options = options with { ModelsDir = Path.GetFullPath(args[i + 1]) };
        using var store = new ModelStore(options);
        using var model = LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();

        Console.WriteLine($"threads: {TorchSharp.torch.get_num_threads()}, matmul yardstick: {Measure.MatmulGflops():F1} GFLOP/s, load average at start: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        if (args.Contains("--check-targets"))
        {
            PromptOptimisationTargets.Check(model, tiers);
            return 0;
        }
        Console.WriteLine($"lr {lr}, nearest-token weight {lambda}, hybrid descent fraction {fraction}, hybrid descent steps per GCG step {descentSteps}, " +
                          $"hybrid learning rate {hybridLr}, hybrid nearest tokens {nearest}, stall steps {stallSteps}, init {init}");
        Console.WriteLine($"stories260K; seeds {firstSeed}-{firstSeed + seeds - 1}; views: {string.Join(", ", views)} ({steps} steps | {work} forward-token equivalents); " +
                          $"length {length}, {candidates} candidates; stop at first verified prompt");
        var rows = new List<Row>();
        using var process = Process.GetCurrentProcess();
        var total = Stopwatch.StartNew();
        foreach (var view in views)
            foreach (var tier in tiers)
                foreach (var target in tier.Targets.Where(t => only is null || only.Contains(t)))
                    for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
                        foreach (var method in methods)   // innermost, so a partial log compares the methods on the same runs
                        {
                            var request = new OptimisationRequest
                            {
                                Target = target, Search = Search(method, tuning), TargetWindow = method.Window, GreedyMargin = method.Margin, Length = length, Candidates = candidates, Seed = seed, ExactContinuation = tier.Exact,
                                Initialisation = init,
                                Steps = view == "work" ? OptimisationRequest.MaxSteps : steps,
                                MaxWork = view == "work" ? work : null,
                            };
                            process.Refresh();
                            var cpuBefore = process.TotalProcessorTime;
                            var result = PromptOptimiser.Run(model, request);
                            process.Refresh();
                            rows.Add(new Row(view, tier.Name, method.Label, target, result, (process.TotalProcessorTime - cpuBefore).TotalSeconds));
                            var first = result.Successes.FirstOrDefault();
                            Console.WriteLine($"{view} {tier.Name,-5} {method.Label,-11} {Quote(target),-24} seed {seed}: " +
                                              $"[min NLL {(result.BestTargetNllPerStep.Count > 0 ? result.BestTargetNllPerStep.Min() : float.NaN):F2}] " + (method.Variant == HybridVariant.Reseed && method.Method == OptimisationMethod.Hybrid ? $"[reseeds {result.Reseeds}] " : method.Method != OptimisationMethod.Hybrid || method.Variant == HybridVariant.Sequential ? "" : $"[proposals taken {result.ProposalsTaken}/{result.StepsRun * candidates} steps, offered {result.ProposalsOffered}/{(long)result.StepsRun * candidates * 64} slots] ") + (first is null
                                ? $"no success in {result.StepsRun} steps, work {result.Work} ({result.Seconds:F2} s)"
                                : $"step {first.Step}, work {first.Work} ({first.SecondsElapsed:F2} s) {Quote(first.PromptText)} -> {Quote(first.Generation)}" +
                                  $" logp {first.TargetLogProb:F2} ppl {first.Perplexity:F1}"));
                        }
        Summarise(rows, seeds);
        Console.WriteLine($"\ntotal {total.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    private static void Summarise(List<Row> rows, int seeds)
    {
        Console.WriteLine();
        Console.WriteLine("| view | tier | method | runs succeeded | targets solved (any seed) | median steps to first success | median work to first success (k) | " +
                          "median wall s to first success | mean work per run (k) | CPU s per run | mean target log-prob | median prompt perplexity | proposals taken / offered |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in rows.GroupBy(r => (r.View, r.Tier, r.Method)))
        {
            var wins = group.Where(r => r.Result.Successes.Count > 0).ToList();
            var firsts = wins.Select(r => r.Result.Successes[0]).ToList();
            var targets = group.GroupBy(r => r.Target).ToList();
            int solved = targets.Count(t => t.Any(r => r.Result.Successes.Count > 0));
            Console.WriteLine($"| {group.Key.View} | {group.Key.Tier} | {group.Key.Method} | {wins.Count}/{group.Count()} ({100.0 * wins.Count / group.Count():F0}%) | " +
                $"{solved}/{targets.Count} | {Median(firsts.Select(f => (double)f.Step)):F0} | {Median(firsts.Select(f => f.Work / 1000.0)):F1} | " +
                $"{Median(firsts.Select(f => f.SecondsElapsed)):F2} | " +
                $"{group.Average(r => r.Result.Work) / 1000:F1} | {group.Average(r => r.CpuSeconds):F2} | " +
                $"{(firsts.Count > 0 ? firsts.Average(f => f.TargetLogProb) : double.NaN):F2} | " +
                $"{Median(firsts.Where(f => f.Perplexity is not null).Select(f => f.Perplexity!.Value)):F1} | " +
                $"{group.Sum(r => r.Result.ProposalsTaken)} / {group.Sum(r => r.Result.ProposalsOffered)} |");
        }
        foreach (var view in rows.GroupBy(r => (r.View, r.Tier)))
        {
            var methods = view.Select(r => r.Method).Distinct().ToArray();
            Console.WriteLine();
            Console.WriteLine($"{view.Key.View} view, {view.Key.Tier} tier: runs succeeded out of {seeds} seeds");
            Console.WriteLine("| target | " + string.Join(" | ", methods) + " |");
            Console.WriteLine("| --- |" + string.Concat(methods.Select(_ => " --- |")));
            foreach (var target in view.GroupBy(r => r.Target))
                Console.WriteLine($"| {Quote(target.Key)} | " + string.Join(" | ",
                    methods.Select(m => $"{target.Count(r => r.Method == m && r.Result.Successes.Count > 0)}/{target.Count(r => r.Method == m)}")) + " |");
        }
    }
    private sealed record MethodSpec(string Label, OptimisationMethod Method, bool Best, HybridVariant Variant, bool Random, bool StraightThrough, int Window, double? Margin);

    /// <summary>The command line's knobs: descent's own (--lr, --lambda), the sequential hybrid's fraction, the interleaved and reseed hybrids' own.</summary>
    private sealed record Tuning(double Lr, double Lambda, double Fraction, int DescentSteps, int Nearest, double HybridLr, int StallSteps);

    /// <summary>The options type of the method and variant, each given only the knobs it reads.</summary>
    private static SearchOptions Search(MethodSpec m, Tuning t)
    {
        var descent = new DescentOptions { LearningRate = t.Lr, NearestTokenWeight = t.Lambda };
        return (m.Method, HybridOptions.Of(m.Variant)) switch
        {
            (OptimisationMethod.Descent, _) => descent,
            (OptimisationMethod.Gcg, _) => new GcgOptions(),
            (_, SequentialHybridOptions s) => s with { Descent = descent, DescentFraction = t.Fraction, BestReadouts = m.Best },
            (_, ReseedHybridOptions r) => r with { Descent = descent, DescentSteps = t.DescentSteps, StallSteps = t.StallSteps, AblateRandomProposals = m.Random },
            (_, InterleavedHybridOptions i) => i with
            {
                Descent = descent with { LearningRate = t.HybridLr }, DescentSteps = t.DescentSteps, NearestTokens = t.Nearest,
                AblateRandomProposals = m.Random, StraightThrough = m.StraightThrough,
            },
            var other => throw new ArgumentException($"no options for {other}"),
        };
    }

    /// <summary>"method[-variant][-best][-random][-pez][-wN][-mX]", e.g. "gcg-w2", "hybrid-anchored-w2", "gcg-m1" (greedy margin 1).</summary>
    private static MethodSpec ParseMethod(string label)
    {
        var parts = label.Split('-');
        var flags = parts.Skip(1).ToArray();
        var variant = flags.Where(f => Enum.TryParse<HybridVariant>(f, true, out _)).Select(f => Enum.Parse<HybridVariant>(f, true)).Cast<HybridVariant?>().FirstOrDefault()
                      ?? (flags.Contains("best") ? HybridVariant.Sequential : new AnchoredHybridOptions().Variant);   // the default hybrid
        int window = flags.Where(f => f.Length > 1 && f[0] == 'w' && f.Skip(1).All(char.IsDigit)).Select(f => int.Parse(f[1..])).FirstOrDefault();
        double? margin = flags.Where(f => f.Length > 1 && f[0] == 'm' && double.TryParse(f[1..], System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(f => (double?)double.Parse(f[1..], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        return new MethodSpec(label, Enum.Parse<OptimisationMethod>(parts[0], true), flags.Contains("best"), variant, flags.Contains("random"), flags.Contains("pez"), window, margin);
    }

    private static double DoubleArg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }

    private static string StringArg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n") + "\"";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
