using LeapEngine.Core.Tensors;
using System.Text.Json.Serialization;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Attribution;

/// <summary>How perturbed prompts are run: all three give the same numbers (to float rounding).</summary>
public enum EvaluationMode
{
    /// <summary>One full forward per perturbed prompt, logits at every position: the reference.</summary>
    Naive,
    /// <summary>Several perturbed prompts per forward (right-padded), logits only where the completion is scored.</summary>
    Batched,
    /// <summary>
    /// Batched, and the unperturbed prompt runs once: every row reuses the keys/values of the
    /// original tokens before its first change (the rest of the cache is masked for that row)
    /// and runs only its own suffix and the completion.
    /// </summary>
    BatchedPrefixCache,
}

/// <summary>How a batch's perturbed prompts share one forward pass.</summary>
public enum BatchLayout
{
    /// <summary>
    /// Packed for a wide model on a CPU, padded otherwise (and whenever a row hides tokens).
    /// Packing saves the padded positions' matmuls but runs attention one sequence at a
    /// time: on a GPU one call per layer is worth more, and in a narrow model the extra calls
    /// cost more than the padding (measured: GPT-2-small shape, d_model 768: packed 3.6%
    /// faster; stories260K, d_model 64: no faster at 256 tokens, slower at 64).
    /// </summary>
    Automatic,
    /// <summary>One row per prompt, left-padded to the longest.</summary>
    Padded,
    /// <summary>All prompts in one row without padding, each attending to its own tokens (see PackedSequences).</summary>
    Packed,
}

public sealed record EvaluationOptions
{
    public EvaluationMode Mode { get; init; } = EvaluationMode.BatchedPrefixCache;
    /// <summary>At most this many perturbed prompts per forward pass.</summary>
    public int MaxBatchSize { get; init; } = 8;
    /// <summary>At most this many token positions (rows x longest new sequence) per forward pass: bounds memory.</summary>
    public int MaxBatchTokens { get; init; } = 4096;
    /// <summary>
    /// Batches evaluated at once, each on its own thread with one libtorch thread (batched modes
    /// only; the naive reference stays sequential). 0 = one per intra-op thread on a CPU, one on
    /// a GPU. Set by the operator, not by API callers.
    /// </summary>
    [JsonIgnore]
    public int Workers { get; init; }
    /// <summary>Layout of a batch in its pass (batched modes). Set by the operator, not by API callers.</summary>
    [JsonIgnore]
    public BatchLayout Layout { get; init; }

    public void Validate()
    {
        if (Workers < 0) throw new ArgumentException($"workers must be 0 (automatic) or more, got {Workers}");
        if (MaxBatchSize < 1) throw new ArgumentException($"max batch size must be at least 1, got {MaxBatchSize}");
        if (MaxBatchTokens < 1) throw new ArgumentException($"max batch tokens must be at least 1, got {MaxBatchTokens}");
    }
}

/// <summary>
/// Teacher-forces a fixed completion after perturbed prompts and returns the log-probability
/// of each completion token. Counts what it costs (evaluations, forward passes, token positions).
/// </summary>
public sealed class PerturbationEvaluator
{
    private readonly TransformerModel _model;
    private readonly int[] _prompt;
    private readonly int[] _completion;
    private readonly EvaluationOptions _options;

    public PerturbationEvaluator(TransformerModel model, IReadOnlyList<int> prompt, IReadOnlyList<int> completion, EvaluationOptions? options = null)
    {
        if (prompt.Count == 0) throw new ArgumentException("the prompt must hold at least one token");
        if (completion.Count == 0) throw new ArgumentException("the completion must hold at least one token");
        _model = model;
        _prompt = prompt.ToArray();
        _completion = completion.ToArray();
        _options = options ?? new EvaluationOptions();
        _options.Validate();
    }

    /// <summary>Perturbed prompts scored so far.</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);
    public long ForwardPasses => Interlocked.Read(ref _forwardPasses);
    /// <summary>Token positions run through the network (padding included): the cost that matters.</summary>
    public long ForwardTokens => Interlocked.Read(ref _forwardTokens);
    private long _evaluations, _forwardPasses, _forwardTokens;

    /// <summary>Counts one forward pass of <paramref name="tokens"/> token positions (passes may run on several threads).</summary>
    private void CountPass(long tokens)
    {
        Interlocked.Increment(ref _forwardPasses);
        Interlocked.Add(ref _forwardTokens, tokens);
    }

    /// <summary>Log-probability of every completion token after each prompt: [items][completion].</summary>
    public float[][] LogProbs(IReadOnlyList<PerturbedPrompt> items, Action<int>? onDone = null, CancellationToken ct = default)
    {
        foreach (var item in items)
        {
            if (item.Ids.Length == 0) throw new ArgumentException("a perturbed prompt must hold at least one token");
            if (item.Ids.Length + _completion.Length > _model.Config.ContextLength)
                throw new ArgumentException(
                    $"{item.Ids.Length} prompt + {_completion.Length} completion tokens exceed the model's context length of {_model.Config.ContextLength}");
        }
        var results = new float[items.Count][];
        if (items.Count == 0) return results;
        using var noGrad = no_grad();
        if (_options.Mode == EvaluationMode.Naive)
        {
            for (int i = 0; i < items.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                results[i] = Naive(items[i]);
                onDone?.Invoke(1);
            }
        }
        else
        {
            bool cached = _options.Mode == EvaluationMode.BatchedPrefixCache;
            // Sorted by shared prefix, neighbours in a batch have similar suffix lengths (little padding).
            var order = Enumerable.Range(0, items.Count).ToList();
            if (cached) order = order.OrderBy(i => SharedPrefix(items[i])).ToList();
            using var prefix = new KvCache(_model.Config.NLayers);
            if (cached) ExtendPrefix(prefix, items.Max(SharedPrefix));
            bool packed = Packs(items);
            var batches = Batches(order, items, cached, packed).ToList();
            int workers = _options.Workers > 0 ? _options.Workers : InterOpWorkers.DefaultFor(_model.Device);
            var progress = new Lock();
            // Batches are independent: several run at once, each on its own thread (the prefix
            // cache is only read). Every row's result lands in its own slot.
            InterOpWorkers.For(batches.Count, workers, b =>
            {
                var batch = batches[b];
                var rows = RunBatch(batch.Select(i => items[i]).ToList(), cached && prefix.Length > 0 ? prefix : null, packed);
                for (int r = 0; r < batch.Count; r++) results[batch[r]] = rows[r];
                lock (progress) onDone?.Invoke(batch.Count);
            }, ct);
        }
        Interlocked.Add(ref _evaluations, items.Count);
        return results;
    }

    /// <summary>Automatic layout packs models at least this wide (see <see cref="BatchLayout.Automatic"/>).</summary>
    public const int PackedMinWidth = 512;

    /// <summary>
    /// Whether batches run packed: where asked, or automatically for a wide model on a CPU,
    /// unless a prompt hides tokens (packed sequences take no attention mask).
    /// </summary>
    private bool Packs(IReadOnlyList<PerturbedPrompt> items) => _options.Layout switch
    {
        BatchLayout.Padded => false,
        _ when items.Any(i => i.Hidden is not null) => false,
        BatchLayout.Packed => true,
        _ => _model.Device.type == TorchSharp.DeviceType.CPU && _model.Config.DModel >= PackedMinWidth,
    };

    /// <summary>
    /// Leading tokens this prompt shares with the original that can come from the cache. At
    /// least one prompt token stays in the pass: its logits predict the first completion token.
    /// </summary>
    private static int SharedPrefix(PerturbedPrompt p) => Math.Max(0, Math.Min(p.FirstChanged, p.Ids.Length - 1));

    /// <summary>Tokens a row runs in a pass: its prompt after the cached part, and the completion but its last token.</summary>
    private int PassLength(PerturbedPrompt p, bool cached) => p.Ids.Length + _completion.Length - 1 - (cached ? SharedPrefix(p) : 0);

    /// <summary>
    /// Consecutive prompts of <paramref name="order"/>, at most MaxBatchSize per batch and at most
    /// MaxBatchTokens positions per pass (padded: rows x longest; packed: the sum of the lengths).
    /// </summary>
    private IEnumerable<List<int>> Batches(List<int> order, IReadOnlyList<PerturbedPrompt> items, bool cached, bool packed)
    {
        var batch = new List<int>();
        long longest = 0, total = 0;
        foreach (int i in order)
        {
            int length = PassLength(items[i], cached);
            long cost = packed ? total + length : (long)(batch.Count + 1) * Math.Max(longest, length);
            if (batch.Count > 0 && (batch.Count + 1 > _options.MaxBatchSize || cost > _options.MaxBatchTokens))
            {
                yield return batch;
                batch = new List<int>();
                longest = total = 0;
            }
            batch.Add(i);
            longest = Math.Max(longest, length);
            total += length;
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>Runs original prompt tokens [cache length, length) into the batch-1 prefix cache.</summary>
    private void ExtendPrefix(KvCache prefix, int length)
    {
        int have = (int)prefix.Length;
        if (have >= length) return;
        using var scope = NewDisposeScope();
        var ids = tensor(_prompt[have..length].Select(t => (long)t).ToArray(), device: _model.Device).unsqueeze(0); // [1, token]
        _model.Forward(ids, new ForwardOptions { Cache = prefix, LogitsFrom = -1 });
        CountPass(length - have);
    }

    /// <summary>
    /// One pass over perturbed prompts. With <paramref name="prefix"/> (the original prompt's
    /// cache, batch 1) each row sees only the cached tokens before its first change and runs
    /// the rest of its prompt and the completion; without it, rows run whole. The completion's
    /// last token is never fed (its logits would predict past the completion). Either way only
    /// the m scored positions of each row get logits (and the last block past its keys/values).
    /// </summary>
    private float[][] RunBatch(List<PerturbedPrompt> rows, KvCache? prefix, bool packed)
    {
        using var scope = NewDisposeScope();
        return packed ? RunPacked(rows, prefix) : RunPadded(rows, prefix);
    }

    /// <summary>Token at position <paramref name="p"/> of a row followed by the completion.</summary>
    private long TokenAt(PerturbedPrompt row, int p) => p < row.Ids.Length ? row.Ids[p] : _completion[p - row.Ids.Length];

    /// <summary>
    /// The rows one after another in a single row (<see cref="PackedSequences"/>): each
    /// continues its shared part of the prefix cache, and its last m positions (those whose
    /// logits score the completion) sit in the tails block at the end.
    /// </summary>
    private float[][] RunPacked(List<PerturbedPrompt> rows, KvCache? prefix)
    {
        int m = _completion.Length;
        var shared = rows.Select(r => prefix is null ? 0 : SharedPrefix(r)).ToArray();
        var packed = new PackedSequences(rows.Select(r => PassLength(r, prefix is not null)).ToArray(), shared, m);
        var ids = new long[1, packed.Tokens];
        var positions = new long[1, packed.Tokens];
        for (int r = 0; r < rows.Count; r++)
            for (int j = 0; j < packed.Length(r); j++)
            {
                int p = shared[r] + j, at = packed.RowIndex(r, j);
                positions[0, at] = p;
                ids[0, at] = TokenAt(rows[r], p);
            }
        var device = _model.Device;
        var logits = _model.Forward(tensor(ids, device: device), new ForwardOptions
        {
            Positions = tensor(positions, device: device),
            Cache = prefix,
            Packed = packed,
            LogitsFrom = packed.TailsStart,
        });                                                                                 // [1, rows * completion, vocab]
        CountPass(packed.Tokens);
        return CompletionLogProbs(logits.view(rows.Count, m, -1));
    }

    /// <summary>
    /// One row per prompt, left-padded so that every row's scored positions are the pass's
    /// last m. Positions are explicit so hidden tokens keep theirs.
    /// </summary>
    private float[][] RunPadded(List<PerturbedPrompt> rows, KvCache? prefix)
    {
        int b = rows.Count, m = _completion.Length;
        var shared = rows.Select(r => prefix is null ? 0 : SharedPrefix(r)).ToArray();
        // Only the cached positions some row of this batch sees take part (at least one, as a cache needs a key).
        int cached = prefix is null ? 0 : Math.Max(1, shared.Max());
        int longest = rows.Max(r => PassLength(r, prefix is not null));
        var ids = new long[b, longest];
        var mask = new long[b, longest];
        var positions = new long[b, longest];
        var visible = new long[b, Math.Max(cached, 1)];
        for (int r = 0; r < b; r++)
        {
            var row = rows[r];
            int s = shared[r], length = PassLength(row, prefix is not null), pad = longest - length;
            for (int j = 0; j < s; j++) visible[r, j] = 1;
            // Padding (j < pad) stays masked at position 0, inside the context.
            for (int j = 0; j < length; j++)
            {
                int p = s + j;
                positions[r, pad + j] = p;
                ids[r, pad + j] = TokenAt(row, p);
                mask[r, pad + j] = row.Hidden is { } h && p < h.Length && h[p] ? 0 : 1;
            }
        }
        var device = _model.Device;
        using var cache = prefix?.ExpandBatch(b, tensor(visible, device: device), cached);
        var logits = _model.Forward(tensor(ids, device: device), new ForwardOptions
        {
            AttentionMask = tensor(mask, device: device),
            Positions = tensor(positions, device: device),
            Cache = cache,
            LogitsFrom = longest - m,
        });                                                                                 // [batch, completion, vocab]
        CountPass((long)b * longest);
        return CompletionLogProbs(logits);
    }

    /// <summary>Logits [rows, completion, vocab] to each row's log-probability of every completion token.</summary>
    private float[][] CompletionLogProbs(Tensor logits)
    {
        long b = logits.shape[0];
        int m = _completion.Length;
        var logProbs = logits.to(ScalarType.Float32).log_softmax(-1);                      // [rows, completion, vocab]
        var targets = tensor(_completion.Select(t => (long)t).ToArray(), device: logits.device).unsqueeze(0).unsqueeze(2)
            .expand(b, m, 1);                                                                   // [rows, completion, 1]
        var picked = logProbs.gather(2, targets).squeeze(2).cpu().data<float>().ToArray();     // [rows * completion]
        return Enumerable.Range(0, (int)b).Select(r => picked[(r * m)..((r + 1) * m)]).ToArray();
    }

    /// <summary>The reference: the whole sequence, batch 1, logits at every position.</summary>
    private float[] Naive(PerturbedPrompt row)
    {
        using var scope = NewDisposeScope();
        var device = _model.Device;
        var sequence = row.Ids.Concat(_completion).Select(t => (long)t).ToArray();
        ForwardOptions? options = null;
        if (row.Hidden is { } hidden)
            options = new ForwardOptions
            {
                AttentionMask = tensor(sequence.Select((_, i) => i < hidden.Length && hidden[i] ? 0L : 1L).ToArray(), device: device).unsqueeze(0),
                Positions = ScalarOps.Arange(0, sequence.Length, device: device).unsqueeze(0),
            };
        var logits = _model.Forward(tensor(sequence, device: device).unsqueeze(0), options);   // [1, token, vocab]
        CountPass(sequence.Length);
        var logProbs = logits[0].narrow(0, row.Ids.Length - 1, _completion.Length)
            .to(ScalarType.Float32).log_softmax(-1);                                            // [completion, vocab]
        var targets = tensor(_completion.Select(t => (long)t).ToArray(), device: device).unsqueeze(1);
        return logProbs.gather(1, targets).squeeze(1).cpu().data<float>().ToArray();
    }
}
