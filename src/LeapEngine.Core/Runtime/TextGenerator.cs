using LeapEngine.Core.Tensors;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>
/// Autoregressive generation with a KV cache: the prompts run once (left-padded into one
/// batch), then each step feeds only the newest token of every unfinished sequence.
/// </summary>
public static class TextGenerator
{
    /// <summary>Continues one prompt; returns the new tokens only.</summary>
    public static int[] Generate(TransformerModel model, IReadOnlyList<int> prompt, GenerationOptions options,
        int? eosId = null, CancellationToken ct = default, Action<int, int>? onToken = null) =>
        GenerateBatch(model, [prompt], options, eosId, ct, onToken)[0];

    /// <summary>
    /// Continues several prompts at once; returns each one's new tokens. <paramref name="onToken"/>
    /// gets (sequence index, token) as tokens appear.
    /// </summary>
    public static int[][] GenerateBatch(TransformerModel model, IReadOnlyList<IReadOnlyList<int>> prompts,
        GenerationOptions options, int? eosId = null, CancellationToken ct = default, Action<int, int>? onToken = null)
    {
        options.Validate();
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("every prompt needs at least one token (add BOS for an empty text)");
        int longest = prompts.Max(p => p.Count);
        int maxNew = Math.Min(options.MaxNewTokens, model.Config.ContextLength - longest);
        if (maxNew < 0)
            throw new ArgumentException($"a prompt of {longest} tokens exceeds the model's context length of {model.Config.ContextLength}");

        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        if (maxNew == 0) return outputs.Select(o => o.ToArray()).ToArray();

        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.NLayers);
        using var rng = new torch.Generator((ulong)options.Seed);
        var device = model.Device;
        var (ids, mask) = TokenBatch.LeftPadded(prompts, device);
        var active = Enumerable.Range(0, prompts.Count).ToList();  // original index of each cache row

        for (int step = 0; step < maxNew && active.Count > 0; step++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var logits = model.Forward(ids, new ForwardOptions { AttentionMask = mask, Cache = cache, LogitsFrom = -1 });
            var next = Choose(logits.select(1, 0), options, rng);              // [rows]
            var chosen = next.cpu().data<long>().ToArray();
            var keep = new List<long>();
            var stillActive = new List<int>();
            for (int row = 0; row < active.Count; row++)
            {
                int token = (int)chosen[row];
                outputs[active[row]].Add(token);
                onToken?.Invoke(active[row], token);
                if (!(options.StopAtEos && eosId == token)) { keep.Add(row); stillActive.Add(active[row]); }
            }
            if (keep.Count < active.Count && keep.Count > 0)
            {
                var rows = tensor(keep.ToArray(), device: device);
                cache.SelectRows(rows);
                next = next.index_select(0, rows);
            }
            active = stillActive;
            ids.Dispose();
            mask.Dispose();
            ids = next.unsqueeze(1).MoveToOuterDisposeScope();                  // [rows, 1]
            mask = ones_like(ids).MoveToOuterDisposeScope();
        }
        ids.Dispose();
        mask.Dispose();
        return outputs.Select(o => o.ToArray()).ToArray();
    }

    /// <summary>Next token per row from last-position logits [rows, vocab] (also the sampler of Serving/CompletionSampler).</summary>
    internal static Tensor Choose(Tensor logits, GenerationOptions o, torch.Generator rng)
    {
        if (o.Temperature == 0) return logits.argmax(-1);
        var scaled = logits.to(ScalarType.Float32).cpu().DividedBy(o.Temperature);
        if (o.TopK is int k && k > 0 && k < scaled.shape[1])
        {
            var kth = scaled.topk(k, dim: -1).values.narrow(-1, k - 1, 1);        // [rows, 1]
            scaled = scaled.MaskedFill(scaled.lt(kth), double.NegativeInfinity);
        }
        if (o.TopP is double p && p < 1)
        {
            var (sorted, order) = scaled.sort(-1, descending: true);
            var cumulative = sorted.softmax(-1).cumsum(-1);
            // Drop a token when the tokens before it already reach p (the first always stays).
            var drop = (cumulative - sorted.softmax(-1)).IsAtLeast(p);
            scaled = scaled.scatter(-1, order, sorted.MaskedFill(drop, double.NegativeInfinity));
        }
        return scaled.softmax(-1).multinomial(1, generator: rng).squeeze(1).to(logits.device);
    }
}
