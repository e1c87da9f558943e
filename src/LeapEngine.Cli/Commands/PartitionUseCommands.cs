using System.CommandLine;
using System.Text.Json;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Cli.Commands;

/// <summary>The subcommands that run a model against a dictionary: assign, score, steer, ablate.</summary>
public static partial class PartitionCommand
{
    private static Option<string?> ModelOption() => new("--model", "-m")
    {
        Description = "Model to run (default: the model the dictionary was built on)",
    };

    private static async Task<(ExemplarDictionary, LanguageModel)> OpenAsync(ParseResult parse, Option<string> dict, Option<string?> model,
        CancellationToken ct)
    {
        var d = ExemplarDictionary.Load(parse.GetValue(dict)!);
        try
        {
            var lm = await CliRunner.LoadModelAsync(parse, parse.GetValue(model) ?? d.Info.ModelId, ct);
            try
            {
                d.RequireCompatible(lm);
                return (d, lm);
            }
            catch
            {
                lm.Dispose();
                throw;
            }
        }
        catch
        {
            d.Dispose();
            throw;
        }
    }

    private static Command Assign()
    {
        var (dict, model, json) = (DictOption(), ModelOption(), JsonOption());
        var text = new Option<string>("--text", "-t") { Description = "Text whose tokens to assign", Required = true };
        var command = new Command("assign", "Nearest region and distance of every token of a text") { dict, model, text, json };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var (d, lm) = await OpenAsync(parse, dict, model, ct);
            using var _d = d;
            using var _m = lm;
            var result = d.Assign(lm, parse.GetValue(text)!);
            if (parse.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(result, Json)); return 0; }
            Console.WriteLine($"theta {d.Theta:G5}; '*' marks tokens beyond theta (outside every region)");
            foreach (var t in result.Tokens)
                Console.WriteLine($"  {t.Index,4} {Quote(t.Token),-16} region {t.Region,6}  distance {t.Distance:F4}{(t.WithinTheta ? "" : " *")}" +
                                  $"   {d.Examples[t.Region].Exemplar?.Snippet}");
            return 0;
        });
        return command;
    }

    private static Command Score()
    {
        var (dict, model, json) = (DictOption(), ModelOption(), JsonOption());
        var text = new Option<string?>("--text", "-t") { Description = "Score one text" };
        var inSet = new Option<string?>("--in") { Description = "In-distribution corpus: " + CorpusSource.Help };
        var outSet = new Option<string?>("--ood") { Description = "Out-of-distribution corpus (with --in: report AUROC)" };
        var command = new Command("score", "Out-of-distribution scores (nearest-exemplar distance) of a text, or AUROC of --in vs --ood corpora")
        {
            dict, model, text, inSet, outSet, json,
        };
        command.Validators.Add(r =>
        {
            bool one = r.GetResult(text) is not null, pair = r.GetResult(inSet) is not null && r.GetResult(outSet) is not null;
            if (one == pair) r.AddError("give --text, or both --in and --ood");
        });
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var (d, lm) = await OpenAsync(parse, dict, model, ct);
            using var _d = d;
            using var _m = lm;
            if (parse.GetValue(text) is { } t)
            {
                var s = d.Score(lm, [t], ct: ct)[0];
                if (parse.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(s, Json)); return 0; }
                Console.WriteLine($"{s.Tokens} tokens: mean {s.Mean:F4}, max {s.Max:F4}, beyond theta {s.FractionBeyondTheta:P1} (theta {d.Theta:G5})");
                return 0;
            }
            var report = d.EvaluateOod(lm, CorpusSource.Open(parse.GetValue(inSet)!, lm), CorpusSource.Open(parse.GetValue(outSet)!, lm), ct: ct);
            if (parse.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(report, Json)); return 0; }
            Console.WriteLine($"in: {report.InTexts} texts (mean score {report.InMeanScore:F4}); out: {report.OutTexts} texts (mean score {report.OutMeanScore:F4})");
            Console.WriteLine($"AUROC  mean {report.AurocMean:F4}   max {report.AurocMax:F4}   fraction beyond theta {report.AurocFractionBeyondTheta:F4}");
            return 0;
        });
        return command;
    }

    private static Command Steer()
    {
        var (dict, model, json) = (DictOption(), ModelOption(), JsonOption());
        var (prompt, target, maxTokens) = InterventionOptions();
        var region = new Option<int>("--region", "-r") { Description = "Region to steer towards", Required = true };
        var alpha = new Option<double?>("--alpha") { Description = "Step along the region's direction (default |centre|)" };
        var command = new Command("steer", "Add alpha times a region's direction at the dictionary's hook, every position; show the effect")
        {
            dict, model, prompt, region, alpha, target, maxTokens, json,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var (d, lm) = await OpenAsync(parse, dict, model, ct);
            using var _d = d;
            using var _m = lm;
            var report = d.Steer(lm, parse.GetValue(prompt)!, parse.GetValue(region), parse.GetValue(alpha), parse.GetValue(target),
                parse.GetValue(maxTokens), ct);
            PrintReport(report, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Ablate()
    {
        var (dict, model, json) = (DictOption(), ModelOption(), JsonOption());
        var (prompt, target, maxTokens) = InterventionOptions();
        var regions = new Option<string>("--regions", "-r") { Description = "Comma-separated regions to ablate, e.g. 3,17,40", Required = true };
        var command = new Command("ablate", "Project regions' directions out of the activations at the dictionary's hook; show the effect")
        {
            dict, model, prompt, regions, target, maxTokens, json,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var list = new List<int>();
            foreach (var part in parse.GetValue(regions)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                list.Add(int.TryParse(part, out var r) ? r : throw new ArgumentException($"--regions: '{part}' is not a region number"));
            var (d, lm) = await OpenAsync(parse, dict, model, ct);
            using var _d = d;
            using var _m = lm;
            PrintReport(d.Ablate(lm, parse.GetValue(prompt)!, list, parse.GetValue(target), parse.GetValue(maxTokens), ct), parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static (Option<string> Prompt, Option<string?> Target, Option<int> MaxTokens) InterventionOptions() =>
    (
        new Option<string>("--text", "-t") { Description = "Prompt to continue with and without the intervention", Required = true },
        new Option<string?>("--target") { Description = "Continuation whose log-probability change to report, e.g. \" park\"" },
        new Option<int>("--max-tokens") { Description = "Tokens to generate (greedy) before and after", DefaultValueFactory = _ => 32 }
    );

    private static void PrintReport(InterventionReport r, bool json)
    {
        if (json) { Console.WriteLine(JsonSerializer.Serialize(r, Json)); return; }
        Console.WriteLine($"{r.Kind} regions [{string.Join(", ", r.Regions)}] at {r.Hook}{(r.Alpha is double a ? $", alpha {a:G4}" : "")}");
        Console.WriteLine($"before: {r.Prompt}{r.Before}");
        Console.WriteLine($"after:  {r.Prompt}{r.After}");
        Console.WriteLine($"next-token KL(before || after): {r.NextTokenKl:F4} nats");
        if (r.Target is not null)
            Console.WriteLine($"log p({Quote(r.Target)}): {r.TargetLogProbBefore:F3} -> {r.TargetLogProbAfter:F3} (change {r.TargetLogProbChange:+0.000;-0.000})");
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n") + "\"";
}
