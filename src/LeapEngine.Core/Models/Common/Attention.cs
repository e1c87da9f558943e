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
                : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: ctx.AttentionBias);
        }

        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[3]);     // [batch, head, query, key]
        scores = ctx.AttentionBias is null
            ? scores.masked_fill(CausalMask(ctx.Tokens, q.device), float.NegativeInfinity)
            : scores + ctx.AttentionBias;
        var pattern = hookPattern.call(scores.softmax(-1));
        return pattern.matmul(v);                                                // [batch, head, query, d_head]
    }

    /// <summary>[query, key] true above the diagonal (future keys).</summary>
    private static Tensor CausalMask(long tokens, Device device) =>
        ones(tokens, tokens, dtype: ScalarType.Bool, device: device).triu(1);
}
