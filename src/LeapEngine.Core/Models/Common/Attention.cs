using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>Scaled dot-product attention shared by the architectures.</summary>
public static class Attention
{
    /// <summary>
    /// q [batch, head, query, d_head]; k, v [batch, kv_head, key, d_head]. Returns z
    /// [batch, head, query, d_head]. The softmaxed pattern [batch, head, query, key] passes
    /// through <paramref name="hookPattern"/>; when nothing is attached there, the fused
    /// kernel computes the same result without materialising the pattern.
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, ForwardContext ctx, HookPoint hookPattern, int? window = null)
    {
        (k, v) = (ForEveryHead(k, q.shape[1]), ForEveryHead(v, q.shape[1]));
        var bias = ctx.BiasFor(window);

        if (!hookPattern.HasHooks)
        {
            return bias is null
                ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: ctx.Tokens > 1)
                : FusedWithBias(q, k, v, ctx, bias);
        }

        var scores = q.matmul(k.transpose(-2, -1)).DividedBy(Math.Sqrt(q.shape[3]));     // [batch, head, query, key]
        scores = bias is null
            ? scores.MaskedFill(CausalMask(ctx.Tokens, q.device), double.NegativeInfinity)
            : scores.Plus(bias);
        var pattern = hookPattern.call(scores.softmax(-1));
        return pattern.matmul(v);                                                // [batch, head, query, d_head]
    }

    /// <summary>
    /// One layer's attention within its pass: q [batch, head, query, d_head] (the queries from
    /// <paramref name="queryFrom"/> on), this pass's new k, v [batch, kv_head, token, d_head].
    /// A cache is appended to first; packed sequences each see their cached prefix and themselves.
    /// With a <paramref name="window"/> (sliding-window layers) a query sees only the keys less
    /// than window positions before it.
    /// </summary>
    public static Tensor AttendInPass(Tensor q, Tensor k, Tensor v, int layer, ForwardContext ctx, long queryFrom, HookPoint hookPattern,
        int? window = null)
    {
        if (ctx.Packed is not null) return AttendPacked(q, k, v, layer, ctx.ForQueries(queryFrom), hookPattern, window);
        if (ctx.Cache is { } cache) (k, v) = cache.Append(layer, k, v);
        return Attend(q, k, v, ctx.ForQueries(queryFrom), hookPattern, window);
    }

    /// <summary>Grouped-query attention: each kv head serves heads/kvHeads query heads.</summary>
    private static Tensor ForEveryHead(Tensor kv, long heads) =>
        kv.shape[1] == heads ? kv : kv.repeat_interleave(heads / kv.shape[1], dim: 1);

    /// <summary>
    /// Packed sequences (see <see cref="PackedSequences"/>), one at a time: its keys are its
    /// cached prefix, its body and its tail, so no query meets a key of another sequence or
    /// padding. Returns z in the row's layout (bodies, then tails; tails only when the
    /// context's queries are the tails).
    /// </summary>
    private static Tensor AttendPacked(Tensor q, Tensor k, Tensor v, int layer, ForwardContext ctx, HookPoint hookPattern, int? window)
    {
        if (hookPattern.HasHooks)
            throw new NotSupportedException("attention-pattern hooks see [batch, head, query, key] patterns, which a packed pass does not have: run the sequences padded");
        var packed = ctx.Packed!;
        long heads = q.shape[1];
        var (prefixKeys, prefixValues) = ctx.PackedPrefix?.Layer(layer) ?? (null, null);
        var bodies = new List<Tensor>();
        var tails = new List<Tensor>();
        for (int s = 0; s < packed.Count; s++)
        {
            int body = packed.BodyLength(s), cached = packed.CachedPrefix(s);
            // This sequence's positions of t [1, head, token, d_head], after the cached ones of prefix when given.
            Tensor Own(Tensor t, Tensor? prefix)
            {
                var parts = new List<Tensor>();
                if (prefix is not null && cached > 0) parts.Add(prefix.narrow(2, 0, cached));
                if (body > 0) parts.Add(t.narrow(2, packed.BodyStart(s), body));
                parts.Add(t.narrow(2, packed.TailStart(s), packed.Tail));
                return parts.Count == 1 ? parts[0] : cat(parts, 2);
            }
            var keys = ForEveryHead(Own(k, prefixKeys), heads);                // [1, head, cached + length, d_head]
            var values = ForEveryHead(Own(v, prefixValues), heads);
            if (ctx.QueriesAreTails)
            {
                tails.Add(CausalAfter(q.narrow(2, s * packed.Tail, packed.Tail), keys, values, ctx, window));
            }
            else
            {
                var z = CausalAfter(Own(q, null), keys, values, ctx, window);           // [1, head, length, d_head]
                if (body > 0) bodies.Add(z.narrow(2, 0, body));
                tails.Add(z.narrow(2, body, packed.Tail));
            }
        }
        return cat([.. bodies, .. tails], 2);                                  // [1, head, query, d_head]
    }

    /// <summary>
    /// q [1, head, query, d_head] are the LAST queries of k/v's positions: query j sees keys
    /// [0, keys - queries + j] (the last window of them with a window: a sequence's keys are its
    /// positions in order). Chunked like <see cref="FusedWithBias"/>, so that a chunk skips
    /// the keys none of its queries sees.
    /// </summary>
    private static Tensor CausalAfter(Tensor q, Tensor k, Tensor v, ForwardContext ctx, int? window)
    {
        long queries = q.shape[2], past = k.shape[2] - queries;
        var chunks = new List<Tensor>();
        for (long j0 = 0; j0 < queries; j0 += QueryChunk)
        {
            long count = Math.Min(QueryChunk, queries - j0), visible = past + j0 + count;
            chunks.Add(nn.functional.scaled_dot_product_attention(
                q.narrow(2, j0, count), k.narrow(2, 0, visible), v.narrow(2, 0, visible),
                attn_mask: ctx.CausalBias(count, visible, window)));                      // [1, head, chunk, d_head]
        }
        return chunks.Count == 1 ? chunks[0] : cat(chunks, 2);
    }

    /// <summary>Queries per fused call when a bias is given (see <see cref="FusedWithBias"/>).</summary>
    private const long QueryChunk = 32;

    /// <summary>
    /// The fused kernel with an explicit bias visits every key, masked or not. Every bias a
    /// ForwardContext builds is causal (query j never sees a key after past + j), so a chunk of
    /// queries [j0, j1) only needs keys [0, past + j1): split long passes into chunks and
    /// skip the keys no query of the chunk can see, which nearly halves the work of a long
    /// pass after a cache (e.g. a perturbed prompt's suffix).
    /// </summary>
    private static Tensor FusedWithBias(Tensor q, Tensor k, Tensor v, ForwardContext ctx, Tensor bias)
    {
        long queries = q.shape[2], keys = k.shape[2], past = ctx.PastLength;
        if (queries <= QueryChunk || keys != past + queries)
            return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: bias);
        var chunks = new List<Tensor>();
        for (long j0 = 0; j0 < queries; j0 += QueryChunk)
        {
            long count = Math.Min(QueryChunk, queries - j0), visible = past + j0 + count;
            chunks.Add(nn.functional.scaled_dot_product_attention(
                q.narrow(2, j0, count), k.narrow(2, 0, visible), v.narrow(2, 0, visible),
                attn_mask: bias.narrow(2, j0, count).narrow(3, 0, visible)));   // [batch, head, chunk, d_head]
        }
        return cat(chunks, 2);                                                 // [batch, head, query, d_head]
    }

    /// <summary>[query, key] true above the diagonal (future keys).</summary>
    private static Tensor CausalMask(long tokens, Device device) =>
        ones(tokens, tokens, dtype: ScalarType.Bool, device: device).triu(1);
}
