using System.CommandLine;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic;

namespace LeapEngine.Cli.Commands;

/// <summary>
/// leap synth train — trains a tiny model with planted causal structure here on the CPU and writes it in the
/// Hugging Face layout, so every other command (attribute, partition, optimise, glitch) and the API load it unchanged.
/// </summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var command = new Command("synth", "Tiny models trained here whose answers are known by construction (ground truth for every method)");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Synth.SynthBenchCommand.Create());
        return command;
    }

    private static Command Train()
    {
        var task = new Option<string>("--task") { Description = $"Task: {string.Join(", ", SyntheticTasks.Names)}", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, the data and the task's mappings", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Folder to write the model into (config.json, model.safetensors, tokenizer.json, synth.json)", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (default: the task's, 200 for key retrieval)" };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest training prompt in words (default: the task's)" };
        var threads = new Option<int>("--threads") { Description = "CPU threads while training (1: measured fastest on a shared 2-core machine, and deterministic)", DefaultValueFactory = _ => 1 };
        var evalLengths = new Option<string>("--eval-lengths") { Description = "Held-out prompt lengths, comma-separated", DefaultValueFactory = _ => "8,64,128" };
        var evalCount = new Option<int>("--eval-per-length") { Description = "Held-out prompts per length", DefaultValueFactory = _ => 200 };
        var train = new Command("train", "Train a synthetic-task model and write it in the Hugging Face layout")
        {
            task, seed, output, steps, maxLength, threads, evalLengths, evalCount,
        };
        CliRunner.SetAction(train, (parse, ct) =>
        {
            int s = parse.GetValue(seed);
            var synthetic = SyntheticTasks.Create(parse.GetValue(task)!, s);
            var defaults = new SyntheticTrainingOptions();
            var options = defaults with { Seed = s, Steps = parse.GetValue(steps) ?? synthetic.DefaultSteps, MaxLength = parse.GetValue(maxLength), Threads = parse.GetValue(threads) };
            options.Validate();
            var lengths = ParseLengths(parse.GetValue(evalLengths)!, options.ContextLength);
            int perLength = parse.GetValue(evalCount);
            if (perLength is < 1 or > 100_000) throw new ArgumentException($"--eval-per-length must be in [1, 100000], got {perLength}");
            var dir = Path.GetFullPath(parse.GetValue(output)!);

            var status = new StatusLine();
            var (network, log) = SyntheticTrainer.Train(synthetic, options,
                status.For<(int Step, double Loss)>(p => $"step {p.Step + 1}/{options.Steps}  loss {p.Loss:F4}"), ct);
            status.Clear();
            using (network) SyntheticModelFolder.WriteModel(dir, network);

            // Read back the way every command reads a model, and score that copy: what is reported is what was written.
            // Held-out prompts come from another stream than the training data (seed + 1_000_000).
            using var store = CliRunner.CreateStore(parse);
            using var loaded = LanguageModel.Load(store.Resolve(dir));
            var check = SyntheticEvaluator.Evaluate(loaded.Network, synthetic, s + 1_000_000, lengths, perLength);
            SyntheticModelFolder.WriteCard(dir, new SyntheticModelCard(synthetic.Name, synthetic.Description, s, synthetic.Plan(),
                options, log.Seconds, log.Threads, log.Losses[^1].Loss, check));
            Console.WriteLine($"{synthetic.Name} (seed {s}): {synthetic.Description}");
            Console.WriteLine($"trained {options.Steps} steps in {log.Seconds:F1} s on {log.Threads} threads; final loss {log.Losses[^1].Loss:F4}");
            foreach (var l in check.Lengths)
                Console.WriteLine($"  held-out length {l.Length,4}: {l.Correct}/{l.Total} correct ({l.Accuracy:P1})");
            Console.WriteLine($"held-out accuracy {check.Accuracy:P2}");
            foreach (var c in check.Interventions)
                Console.WriteLine($"  causal check '{c.Name}': answer as planted in {c.Agreed}/{c.Total} ({c.Rate:P1}); answer changed in {c.Changed}");
            Console.WriteLine($"wrote {dir}");
            return Task.FromResult(check.Accuracy >= 0.99 ? 0 : 3);
        });
        return train;
    }

    private static int[] ParseLengths(string text, int contextLength)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException("--eval-lengths needs at least one length");
        return parts.Select(p => int.TryParse(p, out int n) && n >= 1 && n + 2 <= contextLength
            ? n
            : throw new ArgumentException($"--eval-lengths: '{p}' must be a whole number in [1, {contextLength - 2}]")).ToArray();
    }
}
