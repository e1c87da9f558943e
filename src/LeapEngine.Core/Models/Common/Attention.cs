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
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, ForwardContext ctx, HookPoint hookPattern)
    {
        long heads = q.shape[1], kvHeads = k.shape[1];
        if (kvHeads != heads)
        {
            // Grouped-query attention: each kv head serves heads/kvHeads query heads.
            k = k.repeat_interleave(heads / kvHeads, dim: 1);
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }

        if (!hookPattern.HasHooks)
        {
            return ctx.AttentionBias is null
                ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: ctx.Tokens > 1)
                : FusedWithBias(q, k, v, ctx);
        }

        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[3]);     // [batch, head, query, key]
        scores = ctx.AttentionBias is null
            ? scores.masked_fill(CausalMask(ctx.Tokens, q.device), float.NegativeInfinity)
            : scores + ctx.AttentionBias;
        var pattern = hookPattern.call(scores.softmax(-1));
        return pattern.matmul(v);                                                // [batch, head, query, d_head]
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
    private static Tensor FusedWithBias(Tensor q, Tensor k, Tensor v, ForwardContext ctx)
    {
        long queries = q.shape[2], keys = k.shape[2], past = ctx.PastLength;
        var bias = ctx.AttentionBias!;
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
