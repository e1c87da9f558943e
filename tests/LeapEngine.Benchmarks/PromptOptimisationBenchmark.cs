using System.Diagnostics;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Benchmarks;

/// <summary>
/// Prompt optimisation on stories260K: a fixed set of targets (single words the model knows and
/// short phrases), each searched by embedding descent, GCG and the hybrid over several seeds with
/// the same step budget. Reports success rate, steps and seconds to the first verified prompt,
/// its target log-probability and prompt perplexity. Needs LEAP_MODELS_DIR (or --models-dir)
/// pointing at a folder holding stories260K.
/// </summary>
public sealed class PromptOptimisationBenchmark : IBenchmark
{
    public static readonly string[] Targets =
    [
        " ball", " cat", " happy", " park", " dog", " tree", " sad", " flower",
        " the park", " very happy", " a big dog", " the ball",
    ];

    public string Name => "optimise";
    public string Description => "Prompt optimisation on stories260K: descent vs GCG vs hybrid (--seeds 3 --steps 60 --length 4 --candidates 8 --models-dir DIR)";

    public int Run(string[] args)
    {
        int seeds = Measure.IntArg(args, "--seeds", 3);
        int steps = Measure.IntArg(args, "--steps", 60);
        int length = Measure.IntArg(args, "--length", 4);
        int candidates = Measure.IntArg(args, "--candidates", 8);
        double lr = DoubleArg(args, "--lr", 0.1), lambda = DoubleArg(args, "--lambda", 1.0), fraction = DoubleArg(args, "--hybrid-fraction", 0.3);
        var init = Enum.Parse<PromptInitialisation>(StringArg(args, "--init", "Centroids"), ignoreCase: true);
        var methods = StringArg(args, "--methods", "descent,gcg,hybrid").Split(',').Select(m => Enum.Parse<OptimisationMethod>(m, true)).ToArray();
        int i = Array.IndexOf(args, "--models-dir");
        var options = ModelStoreOptions.FromEnvironment() with { Offline = true };
        if (i >= 0 && i + 1 < args.Length) options = options with { ModelsDir = Path.GetFullPath(args[i + 1]) };
        using var store = new ModelStore(options);
        using var model = LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();

        Console.WriteLine($"threads: {TorchSharp.torch.get_num_threads()}, matmul yardstick: {Measure.MatmulGflops():F1} GFLOP/s, load average at start: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"lr {lr}, nearest-token weight {lambda}, hybrid descent fraction {fraction}, init {init}");
        Console.WriteLine($"stories260K; {Targets.Length} targets x {seeds} seeds; {steps} steps, length {length}, {candidates} candidates; stop at first verified prompt");
        var rows = new List<(OptimisationMethod Method, string Target, OptimisationResult Result, double CpuSeconds)>();
        using var process = Process.GetCurrentProcess();
        var total = Stopwatch.StartNew();
        foreach (var method in methods)
            foreach (var target in Targets)
                for (int seed = 0; seed < seeds; seed++)
                {
                    var request = new OptimisationRequest
                    {
                        Target = target, Method = method, Steps = steps, Length = length, Candidates = candidates, Seed = seed,
                        LearningRate = lr, NearestTokenWeight = lambda, HybridDescentFraction = fraction, Initialisation = init,
                    };
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var result = PromptOptimiser.Run(model, request);
                    process.Refresh();
                    rows.Add((method, target, result, (process.TotalProcessorTime - cpuBefore).TotalSeconds));
                    var first = result.Successes.FirstOrDefault();
                    Console.WriteLine($"{method,-8} {Quote(target),-14} seed {seed}: " + (first is null
                        ? $"no success in {result.StepsRun} steps ({result.Seconds:F2} s)"
                        : $"step {first.Step} ({first.SecondsElapsed:F2} s) {Quote(first.PromptText)} -> {Quote(first.Generation)}"));
                }

        Console.WriteLine();
        Console.WriteLine("| method | runs succeeded | targets solved (any seed) | median steps to first success | median wall s to first success | CPU s per step | mean target log-prob | median prompt perplexity |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in rows.GroupBy(r => r.Method))
        {
            var wins = group.Where(r => r.Result.Successes.Count > 0).ToList();
            var firsts = wins.Select(r => r.Result.Successes[0]).ToList();
            int solved = group.GroupBy(r => r.Target).Count(t => t.Any(r => r.Result.Successes.Count > 0));
            Console.WriteLine($"| {group.Key} | {wins.Count}/{group.Count()} ({100.0 * wins.Count / group.Count():F0}%) | {solved}/{Targets.Length} | " +
                $"{Median(firsts.Select(f => (double)f.Step)):F0} | {Median(firsts.Select(f => f.SecondsElapsed)):F2} | " +
                $"{group.Sum(r => r.CpuSeconds) / group.Sum(r => r.Result.StepsRun) * 1000:F1} ms | " +
                $"{(firsts.Count > 0 ? firsts.Average(f => f.TargetLogProb) : double.NaN):F2} | " +
                $"{Median(firsts.Where(f => f.Perplexity is not null).Select(f => f.Perplexity!.Value)):F1} |");
        }
        Console.WriteLine();
        Console.WriteLine("| target | " + string.Join(" | ", new[] { "Descent", "Gcg", "Hybrid" }) + " |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var target in Targets)
        {
            var cells = new[] { OptimisationMethod.Descent, OptimisationMethod.Gcg, OptimisationMethod.Hybrid }
                .Select(m => $"{rows.Count(r => r.Method == m && r.Target == target && r.Result.Successes.Count > 0)}/{seeds}");
            Console.WriteLine($"| {Quote(target)} | {string.Join(" | ", cells)} |");
        }
        Console.WriteLine($"\ntotal {total.Elapsed.TotalSeconds:F0} s");
        return 0;
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
