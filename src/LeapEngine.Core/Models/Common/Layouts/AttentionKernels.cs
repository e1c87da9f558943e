using LeapEngine.Core.Hooks;
using LeapEngine.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common.Layouts;

/// <summary>
/// The scaled dot-product attention computations the layouts choose between: the fused
/// kernel (causal or with a bias, chunked so that a chunk skips the keys none of its queries
/// sees) and the explicit softmax that a hook on the pattern, or soft-capped scores, need.
/// </summary>
internal static class AttentionKernels
{
    /// <summary>Queries per fused call when a bias is given (see <see cref="FusedWithBias"/>).</summary>
    internal const long QueryChunk = 32;

    /// <summary>Grouped-query attention: each kv head serves heads/kvHeads query heads.</summary>
    public static Tensor ForEveryHead(Tensor kv, long heads) =>
        kv.shape[1] == heads ? kv : kv.repeat_interleave(heads / kv.shape[1], dim: 1);

    /// <summary>
    /// q [batch, head, query, d_head], k, v [batch, head, key, d_head] with every query the last
    /// of its own key range and no bias: the plain causal pass of a fresh sequence.
    /// </summary>
    public static Tensor FusedCausal(Tensor q, Tensor k, Tensor v) =>
        nn.functional.scaled_dot_product_attention(q, k, v, is_casual: q.shape[2] > 1);

    /// <summary>
    /// The pattern [batch, head, query, key] softmax(q k^T / sqrt(d) + bias) passed through
    /// <paramref name="hookPattern"/> (when given), then mixed with v; a null bias is the plain causal mask
    /// (query j sees keys 0..j). With a <paramref name="softCap"/> (Gemma 2's attn_logit_softcapping) the
    /// scores become tanh(s / cap) * cap before the mask, which no fused kernel computes. The path taken
    /// when something watches the pattern (see <see cref="Capped"/> for capped scores nobody watches).
    /// </summary>
    public static Tensor Explicit(Tensor q, Tensor k, Tensor v, Tensor? bias, HookPoint? hookPattern, double? softCap = null)
    {
        // Unwatched, the [batch, head, query, key] intermediates are needed by nobody once z exists: free them
        // now rather than at the end of the pass (autograd keeps what it needs itself).
        bool watched = hookPattern is { HasHooks: true };
        using var scope = watched ? null : NewDisposeScope();
        var scores = q.matmul(k.transpose(-2, -1)).DividedBy(Math.Sqrt(q.shape[3]));     // [batch, head, query, key]
        if (softCap is { } cap) scores = scores.DividedBy(cap).tanh_().Times(cap);
        scores = bias is null
            ? scores.MaskedFill(ones(q.shape[2], k.shape[2], dtype: ScalarType.Bool, device: q.device).triu(1), double.NegativeInfinity)
            : scores.Plus(bias);
        var pattern = scores.softmax(-1);
        if (watched) pattern = hookPattern!.call(pattern);
        var z = pattern.matmul(v);                                               // [batch, head, query, d_head]
        return scope is null ? z : z.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Soft-capped attention that nothing watches: the explicit path per chunk of <see cref="QueryChunk"/>
    /// queries over the keys the chunk can see, as <see cref="FusedWithBias"/> chunks the fused kernel, so a
    /// long pass neither computes the scores of keys no query sees nor holds more than a chunk's scores at a
    /// time. <paramref name="bias"/> [batch|1, 1, query, key] as for <see cref="FusedWithBias"/>; null: the
    /// plain causal pass of a fresh sequence (queries = keys).
    /// </summary>
    public static Tensor Capped(Tensor q, Tensor k, Tensor v, Tensor? bias, long past, double softCap)
    {
        long queries = q.shape[2], keys = k.shape[2];
        if (bias is null)
            return CausalAfter(q, k, v, (count, visible) => CausalBias(count, visible, window: null, q.device), softCap);
        if (queries <= QueryChunk || keys != past + queries) return Explicit(q, k, v, bias, hookPattern: null, softCap);
        return Chunked(q, k, v, past, (j0, count, visible) => bias.narrow(2, j0, count).narrow(3, 0, visible), softCap);
    }

    /// <summary>
    /// The fused kernel with an explicit bias [batch|1, 1, query, key] visits every key, masked
    /// or not. Every bias a layout builds is causal (query j never sees a key after past + j), so
    /// a chunk of queries [j0, j1) only needs keys [0, past + j1): long passes are split into
    /// chunks that skip the keys no query of theirs can see, which nearly halves the work of a
    /// long pass after a cache (e.g. a perturbed prompt's suffix).
    /// </summary>
    public static Tensor FusedWithBias(Tensor q, Tensor k, Tensor v, Tensor bias, long past)
    {
        long queries = q.shape[2], keys = k.shape[2];
        if (queries <= QueryChunk || keys != past + queries)
            return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: bias);
        return Chunked(q, k, v, past, (j0, count, visible) => bias.narrow(2, j0, count).narrow(3, 0, visible));
    }

    /// <summary>
    /// q [1, head, query, d_head] are the LAST queries of k/v's positions; <paramref name="causalBias"/>
    /// gives the bias [count, visible] of a chunk of them that sees its first visible keys (query j
    /// of the chunk sees keys [0, visible - count + j]). A <paramref name="softCap"/> takes the explicit path per chunk.
    /// </summary>
    public static Tensor CausalAfter(Tensor q, Tensor k, Tensor v, Func<long, long, Tensor> causalBias, double? softCap = null) =>
        Chunked(q, k, v, k.shape[2] - q.shape[2], (_, count, visible) => causalBias(count, visible), softCap);

    /// <summary>
    /// [queries, keys] 0 where key &lt;= keys - queries + query, -inf after: queries that are the
    /// last ones of their key range, seeing every earlier key (with a <paramref name="window"/>:
    /// only the keys less than window positions before them, a sequence's keys being its
    /// positions in order).
    /// </summary>
    public static Tensor CausalBias(long queries, long keys, int? window, Device device)
    {
        var bias = zeros(queries, keys, device: device);
        bias.narrow(1, keys - queries, queries).MaskedFillInPlace(
            ones(queries, queries, dtype: ScalarType.Bool, device: device).triu(1), double.NegativeInfinity);
        if (window is { } w && keys > w)
        {
            var queryIndex = ScalarOps.Arange(keys - queries, keys, device: device).unsqueeze(1);  // [query, 1]
            var keyIndex = ScalarOps.Arange(0, keys, device: device).unsqueeze(0);                // [1, key]
            bias.MaskedFillInPlace((queryIndex - keyIndex).IsAtLeast(w), double.NegativeInfinity);
        }
        return bias;
    }

    /// <summary>
    /// The fused kernel (the explicit one with a <paramref name="softCap"/>) per chunk of <see cref="QueryChunk"/>
    /// queries, each over the keys up to its last query only: query j of q sees at most keys [0, past + j].
    /// </summary>
    private static Tensor Chunked(Tensor q, Tensor k, Tensor v, long past, Func<long, long, long, Tensor> chunkBias, double? softCap = null)
    {
        long queries = q.shape[2];
        var chunks = new List<Tensor>();
        for (long j0 = 0; j0 < queries; j0 += QueryChunk)
        {
            long count = Math.Min(QueryChunk, queries - j0), visible = past + j0 + count;
            var (qc, kc, vc, bias) = (q.narrow(2, j0, count), k.narrow(2, 0, visible), v.narrow(2, 0, visible), chunkBias(j0, count, visible));
            chunks.Add(softCap is null                                          // [batch, head, chunk, d_head]
                ? nn.functional.scaled_dot_product_attention(qc, kc, vc, attn_mask: bias)
                : Explicit(qc, kc, vc, bias, hookPattern: null, softCap));
        }
        return chunks.Count == 1 ? chunks[0] : cat(chunks, 2);                 // [batch, head, query, d_head]
    }
}
