using System.CommandLine;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Cli.Commands;

/// <summary>leap generate — continue a prompt, streaming tokens as they come.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var text = CommonOptions.Text("Prompt to continue (empty: start from BOS)");
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy; higher = more random", DefaultValueFactory = _ => 0 };
        var topK = new Option<int?>("--top-k") { Description = "Sample among the k most likely tokens" };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling threshold in (0, 1]" };
        var seed = CommonOptions.Seed();
        var command = new Command("generate", "Continue a prompt with the model (greedy or sampled, KV-cached)")
        {
            model, text, maxTokens, temperature, topK, topP, seed,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            using var lm = await CliRunner.LoadModelAsync(parse, parse.GetValue(model)!, ct);
            var prompt = parse.GetValue(text) ?? "";
            Console.Write(prompt);
            // Stream by decoding everything so far and printing what is new, so multi-token
            // characters and the tokenizer's own spacing rules come out right.
            var promptIds = lm.PromptIds(prompt);
            var generated = new List<int>();
            string shown = lm.Decode(promptIds);
            TextGenerator.Generate(lm.Network, promptIds, options, lm.EosId, ct, (_, token) =>
            {
                generated.Add(token);
                var all = lm.Decode(promptIds.Concat(generated));
                if (all.StartsWith(shown, StringComparison.Ordinal)) Console.Write(all[shown.Length..]);
                shown = all;
            });
            Console.WriteLine();
            return 0;
        });
        return command;
    }
}
