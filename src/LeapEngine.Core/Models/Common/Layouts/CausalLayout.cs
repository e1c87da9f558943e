using LeapEngine.Core.Hooks;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common.Layouts;

/// <summary>
/// Fresh sequences with no padding and no cache: query j sees keys 0..j of its own row, which
/// the fused kernel's causal mode computes with no bias tensor at all (the fastest path).
/// </summary>
public sealed class CausalLayout : AttentionLayout
{
    private readonly WindowedBias _windows;

    /// <param name="positions">[batch, token] positions of the tokens (also the keys').</param>
    public CausalLayout(Tensor positions) : base(positions) =>
        _windows = new WindowedBias(positions, positions, bias: null);

    public override Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? window, HookPoint hookPattern, double? softCap = null)
    {
        (k, v) = (AttentionKernels.ForEveryHead(k, q.shape[1]), AttentionKernels.ForEveryHead(v, q.shape[1]));
        var bias = _windows.For(window);
        if (hookPattern.HasHooks) return AttentionKernels.Explicit(q, k, v, bias, hookPattern, softCap);
        if (softCap is { } cap) return AttentionKernels.Capped(q, k, v, bias, past: 0, cap);
        return bias is null
            ? AttentionKernels.FusedCausal(q, k, v)
            : AttentionKernels.FusedWithBias(q, k, v, bias, past: 0);
    }

    /// <summary>
    /// The last queries of causal rows: the bias becomes explicit, since a fused causal kernel
    /// aligns a shorter query block with the first keys, not the last.
    /// </summary>
    public override AttentionLayout KeepQueriesFrom(long from)
    {
        if (from == 0) return this;
        CheckQueryStart(from);
        long tokens = Queries, count = tokens - from;
        var device = Positions.device;
        // The last count queries attend causally over all tokens keys: [1, 1, query, key].
        var bias = AttentionKernels.CausalBias(count, tokens, window: null, device).unsqueeze(0).unsqueeze(0);
        return new MaskedLayout(Positions.narrow(1, from, count), Positions, bias, cache: null, past: from);
    }
}
