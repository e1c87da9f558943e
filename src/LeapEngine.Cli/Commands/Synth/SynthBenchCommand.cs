using System.CommandLine;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// leap synth bench — scores methods against the answers planted in models that <c>leap synth train</c> wrote:
/// <c>attribution</c> (ItP and HiPe configurations on a key-retrieval model) and <c>system</c> (system-prompt
/// influence on a system-rule model and its control).
/// </summary>
public static class SynthBenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Score methods against the planted answers of synthetic models");
        command.Subcommands.Add(Attribution());
        command.Subcommands.Add(SystemBenchCommand.Create());
        command.Subcommands.Add(OptimiseBenchCommand.Create());
        command.Subcommands.Add(GlitchBenchCommand.Create());
        command.Subcommands.Add(SynthCurvesCommand.Create());
        command.Subcommands.Add(PartitionBenchCommand.Create());
        command.Subcommands.Add(PlantedBenchCommand.Create());
        return command;
    }

    private static Command Attribution()
    {
        var model = new Option<string>("--model", "-m") { Description = "A key-retrieval model folder (leap synth train --task key-retrieval)", Required = true };
        var lengths = new Option<string>("--lengths") { Description = "Prompt lengths in words, comma-separated", DefaultValueFactory = _ => "64,128,256,512" };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per length and key density", DefaultValueFactory = _ => 10 };
        var perturbation = new Option<string>("--perturbation") { Description = "remove, token:X, ... (as leap attribute)", DefaultValueFactory = _ => "remove" };
        var seed = new Option<int>("--seed") { Description = "Seed of the benchmark prompts", DefaultValueFactory = _ => 7 };
        var json = new Option<string?>("--json") { Description = "Also write the rows as JSON to this file" };
        var command = new Command("attribution", "Recall of the planted key by ItP and HiPe configurations, and the forward passes each used")
        {
            model, lengths, prompts, perturbation, seed, json,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var dir = parse.GetValue(model)!;
            if (SyntheticModelFolder.ReadTask(dir) is not KeyRetrievalTask task)
                throw new ArgumentException($"{dir} is not a key-retrieval model (see its synth.json)");
            int n = BenchArgs.Prompts(parse.GetValue(prompts));
            using var lm = await CliRunner.LoadModelAsync(parse, dir, ct);
            var parsedLengths = BenchArgs.Numbers(parse.GetValue(lengths)!, "--lengths", 1, lm.Config.ContextLength - 1);
            var status = new StatusLine();
            Console.WriteLine("| length | key density (copies) | configuration | recall@k | top is planted | mean best rank | mean forward passes | model correct |");
            Console.WriteLine("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |");
            var rows = AttributionBench.Run(lm, task, parsedLengths, n, AttributionConfig.Standard, parse.GetValue(perturbation)!,
                parse.GetValue(seed), status.For<string>(s => s), r =>
                {
                    status.Clear();
                    Console.WriteLine($"| {r.Length} | {r.Density} ({r.Planted}) | {r.Config} | {r.RecallAtK:F2} | {r.TopIsPlanted:F2} | {r.MeanBestRank:F1} | {r.MeanEvaluations:F1} | {r.ModelCorrect}/{r.Prompts} |");
                }, ct);
            status.Clear();
            if (parse.GetValue(json) is { } path) File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(rows, SnakeCase.Indented));
            return 0;
        });
        return command;
    }
}
