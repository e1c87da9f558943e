using System.CommandLine;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Cli.Commands;

/// <summary>
/// leap run — one forward pass: prints the most likely next tokens, and with --out writes
/// input ids, logits and the requested hook activations to a safetensors file.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var text = CommonOptions.Text("Text to run (or --ids)");
        var ids = new Option<string?>("--ids") { Description = "Comma-separated token ids to run instead of --text, e.g. 1,403,407" };
        var bos = new Option<bool>("--bos") { Description = "Put the BOS token first" };
        var hooks = new Option<string?>("--hooks")
        {
            Description = "Comma-separated hook names to save with --out, e.g. blocks.0.hook_resid_post,blocks.*.attn.hook_pattern",
        };
        var top = new Option<int>("--top") { Description = "How many next-token candidates to print", DefaultValueFactory = _ => 10 };
        var output = new Option<string?>("--out", "-o") { Description = "Write input_ids, logits [tokens, vocab] and hooks to this safetensors file" };
        var command = new Command("run", "Run one forward pass; print the top next tokens; optionally save logits and activations")
        {
            model, text, ids, bos, hooks, top, output,
        };
        command.Validators.Add(result =>
        {
            bool hasText = result.GetResult(text) is not null, hasIds = result.GetResult(ids) is not null;
            if (hasText == hasIds) result.AddError("give exactly one of --text or --ids");
        });
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            int topCount = parse.GetValue(top);
            if (topCount < 1) throw new ArgumentException("--top must be at least 1");
            using var lm = await CliRunner.LoadModelAsync(parse, parse.GetValue(model)!, ct);
            var tokens = parse.GetValue(ids) is { } idList ? ParseIds(idList) : lm.Encode(parse.GetValue(text)!, addBos: false).Ids.ToList();
            if (parse.GetValue(bos))
            {
                var start = lm.BosId ?? throw new ArgumentException("this model's tokenizer has no BOS token");
                tokens.Insert(0, start);
            }
            if (tokens.Count == 0) throw new ArgumentException("the text encodes to no tokens; give some text, --ids or --bos");

            var hookNames = (parse.GetValue(hooks) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var resolvedHooks = HookedRun.ResolveNames(lm.Network, hookNames);   // unknown names fail before running
            using var scope = NewDisposeScope();
            var input = tensor(tokens.Select(t => (long)t).ToArray(), device: lm.Device).unsqueeze(0);  // [1, tokens]
            var (logits, cache) = lm.Network.RunWithCache(input, resolvedHooks);
            using (cache)
            {
                PrintTop(lm, tokens, logits[0, -1], topCount);
                if (parse.GetValue(output) is { } path)
                {
                    var tensors = new List<(string, Tensor)> { ("input_ids", input[0]), ("logits", logits[0]) };
                    tensors.AddRange(resolvedHooks.Select(name => (name, cache[name][0])));   // batch dimension dropped
                    Safetensors.Save(path, tensors, new Dictionary<string, string> { ["model"] = lm.Id });
                    Console.WriteLine($"wrote {tensors.Count} tensors to {Path.GetFullPath(path)}");
                }
            }
            return 0;
        });
        return command;
    }

    private static List<int> ParseIds(string list)
    {
        var result = new List<int>();
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out var id) || id < 0)
                throw new ArgumentException($"--ids: '{part}' is not a token id (non-negative integer)");
            result.Add(id);
        }
        return result;
    }

    private static void PrintTop(LanguageModel lm, IReadOnlyList<int> tokens, Tensor lastLogits, int count)
    {
        Console.WriteLine($"{tokens.Count} tokens: {string.Join(" ", tokens)}");
        Console.WriteLine($"text: {lm.Decode(tokens)}");
        Console.WriteLine("next token candidates:");
        var probs = lastLogits.to(ScalarType.Float32).softmax(-1);
        var (values, indices) = probs.topk(Math.Min(count, (int)probs.shape[0]));
        var p = values.cpu().data<float>().ToArray();
        var idx = indices.cpu().data<long>().ToArray();
        for (int i = 0; i < p.Length; i++)
            Console.WriteLine($"  {i + 1,2}. {idx[i],6}  {p[i],8:P2}  {Quote(lm.Tokenizer.TokenText((int)idx[i]))}");
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n").Replace("\t", "\\t") + "\"";
}
