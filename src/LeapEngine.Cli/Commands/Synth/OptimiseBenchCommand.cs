using System.CommandLine;
using System.Text.Json;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench optimise — how often embedding descent, GCG and the hybrid find a prompt that makes a trigger
/// model say a planted target (the trigger itself, or an equivalent prompt) at the same counted work.
/// </summary>
public static class OptimiseBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "A trigger model folder (leap synth train --task trigger)" };
        var rowsIn = new Option<string[]>("--rows") { Description = "Instead of searching: pool these --json files (models and budgets) into success against budget", AllowMultipleArgumentsPerToken = true };
        var plots = new Option<string?>("--plots") { Description = "With --rows: write the success-vs-budget PNG into this folder" };
        var name = new Option<string>("--name") { Description = "File name prefix of the PNG", DefaultValueFactory = _ => "optimise" };
        var seeds = new Option<string>("--seeds") { Description = "Optimiser seeds, comma-separated (every method runs every target with each)", DefaultValueFactory = _ => "0,1,2,3" };
        var work = new Option<long>("--max-work") { Description = "Work budget of every run, in forward-token equivalents (the same for every method)", DefaultValueFactory = _ => 10_000 };
        var length = new Option<int>("--length") { Description = "Tokens in the optimised span (at least the trigger's 3)", DefaultValueFactory = _ => 4 };
        var vocabulary = new Option<OptimisationBenchVocabulary>("--vocabulary") { Description = "Span words: task (the words training prompts use) or words (every one- and two-letter word)", DefaultValueFactory = _ => OptimisationBenchVocabulary.Task };
        var json = new Option<string?>("--json") { Description = "Also write every run and the totals as JSON to this file" };
        var command = new Command("optimise", "Descent, GCG and the hybrid against a planted trigger at equal counted work")
        {
            model, seeds, work, length, vocabulary, json, rowsIn, plots, name,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(rowsIn) is { Length: > 0 } files)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("give --model (run the searches) or --rows (pool runs already written), not both");
                var budgetRows = OptimisationBudgets.Summarise(OptimiseBenchRows.Read(files));
                OptimiseBenchRows.Print(budgetRows);
                if (parse.GetValue(plots) is { } folder) Console.WriteLine($"wrote {OptimiseBenchRows.Draw(budgetRows, folder, parse.GetValue(name)!)}");
                return 0;
            }
            var dir = parse.GetValue(model) ?? throw new ArgumentException("give --model DIR (a trigger model) or --rows FILE (bench files to pool)");
            string modelName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            if (SyntheticModelFolder.ReadTask(dir) is not TriggerTask task)
                throw new ArgumentException($"{dir} is not a trigger model (see its synth.json)");
            long budget = parse.GetValue(work);
            if (budget is < 1_000 or > 100_000_000) throw new ArgumentException($"--max-work must be in [1000, 100000000], got {budget}");
            int span = parse.GetValue(length);
            if (span is < TriggerTask.TriggerLength or > 64) throw new ArgumentException($"--length must be in [{TriggerTask.TriggerLength}, 64] (the span must hold the trigger), got {span}");
            var seedList = ParseSeeds(parse.GetValue(seeds)!);
            using var lm = await CliRunner.LoadModelAsync(parse, dir, ct);
            Console.WriteLine("| target | method | seed | found | work to first success | prompt | holds the trigger | trigger words in it | model's next word is the target |");
            Console.WriteLine("| --- | --- | ---: | --- | ---: | --- | --- | ---: | --- |");
            var jsonPath = parse.GetValue(json);
            string vocabularyName = parse.GetValue(vocabulary).ToString().ToLowerInvariant();
            var done = new List<OptimisationBenchRun>();
            var runs = OptimisationBench.Run(lm, task, OptimisationBenchMethod.Standard, seedList, budget, span, parse.GetValue(vocabulary), r =>
            {
                Console.WriteLine($"| \"{r.Target}\" | {r.Method} | {r.Seed} | {(r.Succeeded ? "yes" : "no")} | {r.WorkToFirstSuccess?.ToString() ?? "-"} | {(r.Prompt is null ? "-" : $"\"{r.Prompt}\"")} | {YesNo(r.ContainsTrigger)} | {r.TriggerWordsInPrompt?.ToString() ?? "-"} | {YesNo(r.ModelSaysTarget)} |");
                // Rewritten after every run: a long run stopped part-way keeps what it finished.
                done.Add(r);
                if (jsonPath is not null) WriteJson(jsonPath, budget, span, vocabularyName, modelName, done);
            }, ct);
            var rows = OptimisationBench.Summarise(runs);
            Console.WriteLine();
            Console.WriteLine("| method | runs succeeded | trigger recovered | equivalent prompts | confirmed by the model | targets solved | median work to first success | mean work per run |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in rows)
                Console.WriteLine($"| {r.Method} | {r.Succeeded}/{r.Runs} | {r.RecoveredTrigger} | {r.EquivalentPrompts} | {r.ModelConfirmed} | {r.TargetsSolved}/{r.Targets} | {(r.MedianWorkToFirstSuccess is double m ? $"{m:F0}" : "-")} | {r.MeanWork:F0} |");
            if (jsonPath is not null) WriteJson(jsonPath, budget, span, vocabularyName, modelName, runs);
            return 0;
        });
        return command;
    }

    private static void WriteJson(string path, long budget, int span, string vocabulary, string model, List<OptimisationBenchRun> runs) =>
        File.WriteAllText(path, JsonSerializer.Serialize(
            new OptimiseBenchFile(budget, span, vocabulary, model, runs, OptimisationBench.Summarise(runs)), SnakeCase.Indented));

    private static string YesNo(bool? value) => value switch { true => "yes", false => "no", null => "-" };

    private static long[] ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 1000) throw new ArgumentException("--seeds needs 1 to 1000 comma-separated seeds");
        return parts.Select(p => long.TryParse(p, out long s) && s >= 0
            ? s
            : throw new ArgumentException($"--seeds: '{p}' must be a whole number, 0 or more")).ToArray();
    }
}
