using System.Diagnostics;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// One prompt search for one planted target. <see cref="ContainsTrigger"/>: the verified prompt holds the planted
/// trigger word for word (recovered); otherwise it is another prompt that forces the target (an equivalent prompt).
/// <see cref="ModelSaysTarget"/> is an independent check of the optimiser's own verification: the model's greedy
/// next word right after the prompt is the target. <see cref="TriggerWordsInPrompt"/>: how many of the trigger's
/// words the prompt holds anywhere (an equivalent prompt that keeps two of three shows what the model really reads).
/// </summary>
public sealed record OptimisationBenchRun(
    string Method, int Trigger, string Target, long Seed, bool Succeeded, long? WorkToFirstSuccess, int? StepsToFirstSuccess,
    long Work, string StopReason, string? Prompt, bool? ContainsTrigger, bool? ModelSaysTarget, double Seconds,
    int? TriggerWordsInPrompt = null);

/// <summary>One method's totals over every target and seed.</summary>
public sealed record OptimisationBenchRow(
    string Method, int Runs, int Succeeded, int RecoveredTrigger, int EquivalentPrompts, int ModelConfirmed,
    int TargetsSolved, int Targets, double? MedianWorkToFirstSuccess, double MeanWork);

/// <summary>The methods compared, each with the search options that select it.</summary>
public sealed record OptimisationBenchMethod(string Label, SearchOptions Search)
{
    /// <summary>Embedding descent, GCG and the default hybrid (anchored), every other setting at the library's defaults.</summary>
    public static IReadOnlyList<OptimisationBenchMethod> Standard { get; } =
    [
        new("descent", new DescentOptions()),
        new("gcg", new GcgOptions()),
        new("hybrid", new AnchoredHybridOptions()),
    ];
}

/// <summary>Which ids the optimised span may use.</summary>
public enum OptimisationBenchVocabulary
{
    /// <summary>The words training prompts are made of: within them, only the trigger should force a target.</summary>
    Task,
    /// <summary>Every one- and two-letter word, most never seen in training: room for off-distribution shortcuts.</summary>
    Words,
}

/// <summary>
/// Prompt optimisation against a planted trigger: for every trigger of a trigger model and every seed, each method
/// searches a span for a prompt whose greedy next word is that trigger's target (the optimiser's exact-continuation
/// success, as the task defines its answer), stopping at the first verified prompt or when the shared work budget
/// (<see cref="OptimisationRequest.MaxWork"/>, forward-token equivalents) is spent, so every method gets the same
/// counted work. Why exact: with the optimiser's default test (the target anywhere in the next five words), prompts of
/// never-trained words won by making the model ramble into the target (development run, docs/benchmarks.md).
/// </summary>
public static class OptimisationBench
{
    public static List<OptimisationBenchRun> Run(LanguageModel model, TriggerTask task, IReadOnlyList<OptimisationBenchMethod> methods,
        IReadOnlyList<long> seeds, long maxWork, int length, OptimisationBenchVocabulary vocabulary = OptimisationBenchVocabulary.Task,
        Action<OptimisationBenchRun>? onRun = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWork, 1);
        if (length < TriggerTask.TriggerLength)
            throw new ArgumentException($"the span must hold the trigger: length {length} is below {TriggerTask.TriggerLength}");
        var vocab = SyntheticVocabulary.Instance;
        var words = vocabulary == OptimisationBenchVocabulary.Task
            ? task.PromptWords.ToArray()
            : Enumerable.Range(0, vocab.BosId).Where(id => vocab.Word(id) is not null).ToArray();
        var runs = new List<OptimisationBenchRun>();
        for (int t = 0; t < TriggerTask.TriggerCount; t++)
        {
            string target = " " + vocab.Word(task.TargetFor(t));
            foreach (var method in methods)
            {
                foreach (long seed in seeds)
                {
                    ct.ThrowIfCancellationRequested();
                    var clock = Stopwatch.StartNew();
                    var result = PromptOptimiser.Run(model, new OptimisationRequest
                    {
                        Target = target, Search = method.Search, Length = length, Seed = seed,
                        Steps = OptimisationRequest.MaxSteps, MaxWork = maxWork, AllowedTokenIds = words, ExactContinuation = true,
                    }, ct: ct);
                    var run = Score(model, task, method.Label, t, target, seed, result, clock.Elapsed.TotalSeconds);
                    runs.Add(run);
                    onRun?.Invoke(run);
                }
            }
        }
        return runs;
    }

    /// <summary>Totals per method, in the order the methods first appear.</summary>
    public static List<OptimisationBenchRow> Summarise(IReadOnlyList<OptimisationBenchRun> runs) =>
        runs.GroupBy(r => r.Method).Select(g =>
        {
            var won = g.Where(r => r.Succeeded).ToList();
            var work = won.Select(r => (double)r.WorkToFirstSuccess!.Value).Order().ToList();
            return new OptimisationBenchRow(g.Key, g.Count(), won.Count, won.Count(r => r.ContainsTrigger == true),
                won.Count(r => r.ContainsTrigger == false), won.Count(r => r.ModelSaysTarget == true),
                won.Select(r => r.Trigger).Distinct().Count(), g.Select(r => r.Trigger).Distinct().Count(),
                work.Count == 0 ? null : Median(work), g.Average(r => (double)r.Work));
        }).ToList();

    private static OptimisationBenchRun Score(LanguageModel model, TriggerTask task, string method, int trigger, string target,
        long seed, OptimisationResult result, double seconds)
    {
        if (result.Successes.Count == 0)
            return new(method, trigger, target, seed, false, null, null, result.Work, result.StopReason, null, null, null, seconds);
        var first = result.Successes[0];
        var span = first.PromptIds;
        bool contains = task.Find(span).Trigger == trigger;
        bool says = SyntheticEvaluator.Predict(model.Network, [span])[0] == task.TargetFor(trigger);
        int words = task.Triggers[trigger].Count(span.Contains);
        return new(method, trigger, target, seed, true, first.Work, first.Step, result.Work, result.StopReason,
            first.PromptText, contains, says, seconds, words);
    }

    private static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
