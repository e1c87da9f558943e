using System.Globalization;
using System.Text.Json;
using LeapEngine.Cli.Plots;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// What <c>leap synth bench optimise --json</c> writes: the settings every run shared, the model searched (its folder
/// name), every run, and the totals.
/// </summary>
public sealed record OptimiseBenchFile(long MaxWork, int Length, string Vocabulary, string? Model,
    List<OptimisationBenchRun> Runs, List<OptimisationBenchRow>? Totals = null);

/// <summary>
/// <c>leap synth bench optimise --rows</c>: reads bench files of several models and budgets, prints success against
/// budget per method (<see cref="OptimisationBudgets"/>) and draws it.
/// </summary>
public static class OptimiseBenchRows
{
    /// <summary>Every run of <paramref name="files"/>, each tagged with its file's model and budget; the files must share span length and vocabulary.</summary>
    public static List<BudgetedRun> Read(IReadOnlyList<string> files)
    {
        var runs = new List<BudgetedRun>();
        OptimiseBenchFile? first = null;
        string? firstPath = null;
        foreach (var path in files)
        {
            var file = ReadFile(path);
            if (file.Model is null)
                throw new ArgumentException($"--rows: {path} does not name its model (\"model\"); runs of different models cannot be told apart without it");
            if (first is not null && (file.Length, file.Vocabulary) != (first.Length, first.Vocabulary))
                throw new ArgumentException($"--rows: {path} searched spans of {file.Length} words from the '{file.Vocabulary}' vocabulary, {firstPath} of {first.Length} from '{first.Vocabulary}': compare runs of one setting");
            first ??= file;
            firstPath ??= path;
            runs.AddRange(file.Runs.Select(r => new BudgetedRun(file.Model, file.MaxWork, r)));
        }
        return runs;
    }

    public static void Print(IReadOnlyList<OptimisationBudgetRow> rows)
    {
        Console.WriteLine("| max work | method | runs succeeded | success rate (95% interval) | trigger recovered | target instances solved |");
        Console.WriteLine("| ---: | --- | ---: | --- | ---: | ---: |");
        foreach (var r in rows)
            Console.WriteLine($"| {r.MaxWork.ToString("N0", CultureInfo.InvariantCulture)} | {r.Method} | {r.Succeeded}/{r.Runs} | {r.SuccessRate:F2} ({r.SuccessLow:F2}-{r.SuccessHigh:F2}) | {r.RecoveredTrigger}/{r.Runs} | {r.TargetsSolved}/{r.TargetInstances} |");
    }

    /// <summary>
    /// One PNG: per method, the share of runs that found a prompt and the share that recovered the planted trigger,
    /// against the budget (log scale).
    /// </summary>
    public static string Draw(IReadOnlyList<OptimisationBudgetRow> rows, string folder, string prefix)
    {
        if (rows.Count == 0) throw new ArgumentException("no runs to draw");
        var series = new List<PlotSeries>();
        foreach (var method in rows.GroupBy(r => r.Method))
        {
            var x = method.Select(r => (double)r.MaxWork).ToList();
            series.Add(new PlotSeries($"{method.Key}: target said", x, method.Select(r => r.SuccessRate).ToList()));
            series.Add(new PlotSeries($"{method.Key}: trigger recovered", x, method.Select(r => r.RecoveredRate).ToList()));
        }
        var runsPerCell = rows.Select(r => r.Runs).Distinct().Order().ToList();
        var path = Path.Combine(folder, $"{prefix}-success-vs-budget.png");
        // A log axis labels only powers of ten: the title names the budgets the points stand at.
        var budgets = string.Join(", ", rows.Select(r => r.MaxWork).Distinct().Order().Select(b => b.ToString("N0", CultureInfo.InvariantCulture)));
        BenchPlot.SaveLines(path, $"budgets {budgets}; {string.Join("/", runsPerCell)} runs a point",
            "work budget (forward-token equivalents)", "share of runs", series, logX: true, yRange: (-0.02, 1.02));
        return Path.GetFullPath(path);
    }

    private static OptimiseBenchFile ReadFile(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--rows: no file {path}");
        try
        {
            var file = JsonSerializer.Deserialize<OptimiseBenchFile>(File.ReadAllText(path), SnakeCase.Indented);
            if (file?.Runs is not { Count: > 0 }) throw new ArgumentException($"--rows: {path} holds no runs");
            if (file.MaxWork < 1) throw new ArgumentException($"--rows: {path} does not say its work budget (\"max_work\")");
            return file;
        }
        catch (JsonException e) { throw new ArgumentException($"--rows: {path} is not an optimise bench file ({e.Message})"); }
    }
}
