using System.CommandLine;
using System.Text.Json;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Cli.Commands;

/// <summary>leap optimise — find prompts that make the model say a target, each verified by greedy generation.</summary>
public static class OptimiseCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var target = new Option<string>("--target") { Description = "Text the model should produce, e.g. \" ball\" (leading space included)", Required = true };
        var length = new Option<int>("--length") { Description = "Tokens in the optimised prompt", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { Description = "Optimisation steps", DefaultValueFactory = _ => 100 };
        var candidates = new Option<int>("--candidates") { Description = "Prompts optimised side by side", DefaultValueFactory = _ => 8 };
        var successes = new Option<int>("--successes") { Description = "Stop after this many distinct verified prompts", DefaultValueFactory = _ => 1 };
        var prefix = new Option<string>("--prefix") { Description = "Fixed text before the optimised span", DefaultValueFactory = _ => "" };
        var suffix = new Option<string>("--suffix") { Description = "Fixed text after the optimised span", DefaultValueFactory = _ => "" };
        var exact = new Option<bool>("--exact") { Description = "The generation must start with the target (default: contain it)" };
        var init = new Option<string>("--init") { Description = "centroids, random or near_target", DefaultValueFactory = _ => "centroids" };
        var vocabulary = new Option<string>("--vocabulary") { Description = "printable or no_special", DefaultValueFactory = _ => "printable" };
        var maxWork = new Option<long?>("--max-work") { Description = "Stop before a step that would exceed this many forward-token equivalents of counted work (progress is then reported in them)" };
        var maxSeconds = new Option<double?>("--max-seconds") { Description = "Stop before a step once this much wall time has passed" };
        var search = new OptimiseSearchFlags();
        var json = new Option<string?>("--json") { Description = "Also write the full result as JSON to this file" };
        var seed = CommonOptions.Seed();
        var command = new Command("optimise", "Find prompts that make the model say a target (embedding descent, GCG, hybrid)")
        {
            model, target, length, steps, candidates, successes, prefix, suffix, exact, init, vocabulary, maxWork, maxSeconds, json, seed,
        };
        search.AddTo(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var request = new OptimisationRequest
            {
                Target = parse.GetValue(target) ?? "",
                Length = parse.GetValue(length),
                Search = search.Read(parse),
                Steps = parse.GetValue(steps),
                Candidates = parse.GetValue(candidates),
                StopAfterSuccesses = parse.GetValue(successes),
                Prefix = parse.GetValue(prefix) ?? "",
                Suffix = parse.GetValue(suffix) ?? "",
                ExactContinuation = parse.GetValue(exact),
                Initialisation = EnumOption.Parse<PromptInitialisation>(parse.GetValue(init), "--init"),
                Vocabulary = EnumOption.Parse<VocabularyFilter>(parse.GetValue(vocabulary), "--vocabulary"),
                Seed = parse.GetValue(seed),
                MaxWork = parse.GetValue(maxWork),
                MaxSeconds = parse.GetValue(maxSeconds),
            };
            using var lm = await CliRunner.LoadModelAsync(parse, parse.GetValue(model)!, ct);
            var status = new StatusLine();
            var progress = status.For<ProgressUpdate>(p => $"{p.Done}/{p.Total} {p.Unit}  {p.Message}");
            var result = PromptOptimiser.Run(lm, request, progress, ct);
            status.Clear();
            Print(result);
            if (parse.GetValue(json) is { } path) WriteJson(path, result);
            return result.Successes.Count > 0 ? 0 : 3;
        });
        return command;
    }

    private static void Print(OptimisationResult result)
    {
        Console.WriteLine($"target {Quote(result.Target)} ({result.TargetIds.Length} tokens), {result.Method}, seed {result.Seed}: " +
                          $"{result.Successes.Count} verified prompt(s) in {result.StepsRun} steps, {result.Work} forward-token equivalents" +
                          $"{(result.StoppedByBudget ? " (budget spent)" : "")}, {result.Seconds:F2} s");
        foreach (var s in result.Successes)
        {
            Console.WriteLine($"  step {s.Step} ({s.Phase}): {Quote(s.PromptText)}  ids [{string.Join(",", s.PromptIds)}]");
            Console.WriteLine($"    greedy: {Quote(s.FullPromptText)} -> {Quote(s.Generation)}");
            Console.WriteLine($"    log p(target) {s.TargetLogProb:F2}, prompt perplexity {(s.Perplexity is { } p ? p.ToString("G4") : "n/a")}" +
                              (s.TextRoundTrips ? "" : " (the text re-encodes differently: use the ids)"));
        }
        if (result.Successes.Count == 0) Console.WriteLine("  no prompt verified; try more --steps, a longer --length, or --method hybrid");
    }

    internal static void WriteJson<T>(string path, T value)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(value, SnakeCase.Indented));
        Console.WriteLine($"wrote {Path.GetFullPath(path)}");
    }

    internal static string Quote(string s) => "\"" + s.Replace("\n", "\\n") + "\"";
}
