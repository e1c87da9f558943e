using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tokenization;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// One forward pass worth of activations: the rows of real (non-pad, non-BOS) positions
/// and, for each row, which text and token it came from (for readable examples).
/// </summary>
public sealed class ActivationBatch : IDisposable
{
    public ActivationBatch(Tensor activations, IReadOnlyList<EncodedText>? texts = null, int[]? textOfRow = null, int[]? tokenOfRow = null,
        int[]? corpusIndex = null)
    {
        Activations = activations;
        Texts = texts ?? [];
        CorpusIndex = corpusIndex ?? [];
        TextOfRow = textOfRow ?? [];
        TokenOfRow = tokenOfRow ?? [];
    }

    /// <summary>[rows, width], float32, on the model's device. Owned by the batch.</summary>
    public Tensor Activations { get; }
    public IReadOnlyList<EncodedText> Texts { get; }
    /// <summary>Per text of <see cref="Texts"/>: its index in the corpus (texts with no usable token are skipped).</summary>
    public int[] CorpusIndex { get; }
    /// <summary>Per row: index into <see cref="Texts"/> (empty when the rows carry no text).</summary>
    public int[] TextOfRow { get; }
    /// <summary>Per row: token index within its text.</summary>
    public int[] TokenOfRow { get; }
    public int Rows => (int)Activations.shape[0];
    public bool HasText => TextOfRow.Length == Rows && Rows > 0;

    public void Dispose() => Activations.Dispose();
}

/// <summary>
/// Streams activations at one hook point from a corpus: texts are tokenized (BOS per the
/// model's default), cut to the context length, right-padded into batches with an
/// attention mask, and only the chosen real positions are kept.
/// </summary>
public static class ActivationStream
{
    /// <summary>Resolves a hook name (null: the middle layer's residual stream), failing with the list of names.</summary>
    public static string ResolveHook(TransformerModel model, string? hook)
    {
        var name = string.IsNullOrWhiteSpace(hook) ? $"blocks.{model.Config.NLayers / 2}.hook_resid_post" : hook.Trim();
        if (name.Contains('*')) throw new ArgumentException($"hook '{name}': give one hook point, not a wildcard");
        return HookedRun.ResolveNames(model, [name])[0];
    }

    public static IEnumerable<ActivationBatch> Stream(LanguageModel model, string hook, IEnumerable<string> texts,
        PartitionPositions positions, int contextLength, int batchSize, CancellationToken ct = default) =>
        Plan(model, texts, positions, contextLength, batchSize, ct).Select(batch => Run(model, hook, batch));

    /// <summary>
    /// Token positions each forward pass of <see cref="Stream"/> runs, in order, without running
    /// it: a right-padded batch computes texts x its longest text, padding included. What a job
    /// reserves is computed from this, so the bound follows the batching exactly.
    /// </summary>
    public static IEnumerable<(long Positions, long Rows)> ForwardPasses(LanguageModel model, IEnumerable<string> texts,
        PartitionPositions positions, int contextLength, int batchSize) =>
        Plan(model, texts, positions, contextLength, batchSize, CancellationToken.None)
            .Select(b => ((long)b.Count * b.Max(t => t.Length), b.Sum(t => (long)t.Rows.Length)));

    /// <summary>The texts of one forward pass: encoded, the length it runs at, its selected rows and its index in the corpus.</summary>
    private sealed record PlannedText(EncodedText Text, int Length, int[] Rows, int Index);

    /// <summary>How <see cref="Stream"/> batches texts (the one place that decides it, for running and for pricing).</summary>
    private static IEnumerable<List<PlannedText>> Plan(LanguageModel model, IEnumerable<string> texts, PartitionPositions positions,
        int contextLength, int batchSize, CancellationToken ct)
    {
        int maxLength = Math.Min(contextLength, model.Config.ContextLength);
        var pending = new List<PlannedText>();
        int index = -1;
        foreach (var text in texts)
        {
            ct.ThrowIfCancellationRequested();
            index++;
            if (string.IsNullOrWhiteSpace(text)) continue;   // blank lines carry nothing to partition
            var encoded = model.Encode(text);
            int length = Math.Min(encoded.Count, maxLength);
            var rows = SelectedPositions(encoded.Ids, length, model.BosId, positions);
            if (rows.Length == 0) continue;
            pending.Add(new PlannedText(encoded, length, rows, index));
            if (pending.Count == batchSize)
            {
                yield return pending;
                pending = new List<PlannedText>();
            }
        }
        if (pending.Count > 0) yield return pending;
    }

    /// <summary>How many activations <see cref="Stream"/> yields for <paramref name="texts"/> (the rows a build can cluster).</summary>
    public static long CountRows(LanguageModel model, IEnumerable<string> texts, PartitionPositions positions, int contextLength)
    {
        int maxLength = Math.Min(contextLength, model.Config.ContextLength);
        long rows = 0;
        foreach (var text in texts)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            var encoded = model.Encode(text);
            rows += SelectedPositions(encoded.Ids, Math.Min(encoded.Count, maxLength), model.BosId, positions).Length;
        }
        return rows;
    }

    /// <summary>The positions of one text that contribute: never BOS, and only the last when asked.</summary>
    internal static int[] SelectedPositions(IReadOnlyList<int> ids, int length, int? bosId, PartitionPositions positions)
    {
        int first = length > 0 && bosId is int bos && ids[0] == bos ? 1 : 0;
        if (length <= first) return [];
        return positions == PartitionPositions.LastOnly ? [length - 1] : Enumerable.Range(first, length - first).ToArray();
    }

    private static ActivationBatch Run(LanguageModel model, string hook, List<PlannedText> items)
    {
        var sequences = items.Select(i => (IReadOnlyList<int>)i.Text.Ids.Take(i.Length).ToArray()).ToList();
        int width = sequences.Max(s => s.Count);
        var flat = new List<long>();
        var textOfRow = new List<int>();
        var tokenOfRow = new List<int>();
        for (int b = 0; b < items.Count; b++)
            foreach (var t in items[b].Rows)
            {
                flat.Add((long)b * width + t);
                textOfRow.Add(b);
                tokenOfRow.Add(t);
            }

        using var scope = NewDisposeScope();
        var (ids, mask) = TokenBatch.RightPadded(sequences, model.Device);
        // Logits only for the last column: the build never reads them, the unembedding is skipped.
        var (logits, cache) = model.Network.RunWithCache(ids, [hook], new ForwardOptions { AttentionMask = mask, LogitsFrom = -1 });
        using (cache)
        {
            logits.Dispose();
            var act = cache[hook];
            if (act.dim() < 3 || act.shape[1] != width || hook.EndsWith("hook_pattern", StringComparison.Ordinal))
                throw new ArgumentException(
                    $"hook '{hook}' gives [{string.Join(", ", act.shape)}] activations; use a hook with one vector per token (e.g. blocks.N.hook_resid_post)");
            long perToken = act.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            var rows = act.reshape(act.shape[0] * act.shape[1], perToken)       // [batch * token, width] (heads flattened)
                .index_select(0, tensor(flat.ToArray(), device: model.Device))
                .to(ScalarType.Float32);                                         // [rows, width]
            return new ActivationBatch(rows.MoveToOuterDisposeScope(), items.Select(i => i.Text).ToList(),
                textOfRow.ToArray(), tokenOfRow.ToArray(), items.Select(i => i.Index).ToArray());
        }
    }
}
