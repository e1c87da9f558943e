using LeapEngine.Core.Hooks;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common.Layouts;

/// <summary>
/// How the tokens of one forward pass attend to each other, and which of them are queries:
/// <see cref="CausalLayout"/> (fresh sequences, no padding), <see cref="MaskedLayout"/> (padding
/// and/or a KV cache, as an additive bias) or <see cref="PackedLayout"/> (several sequences in one
/// row, each continuing a shared cached prefix). Built once per pass by
/// <see cref="ForwardContext.Create"/>; every layer attends through it, the last one possibly
/// through <see cref="KeepQueriesFrom"/>'s narrower view. Sliding windows are applied here, per
/// layer, in positions (not row indices), so every layout gives the single-sequence numbers.
/// </summary>
public abstract class AttentionLayout
{
    protected AttentionLayout(Tensor positions) => Positions = positions;

    /// <summary>[batch, query] position of each query among its sequence's real tokens.</summary>
    public Tensor Positions { get; }

    /// <summary>Number of queries each layer attending through this layout keeps.</summary>
    public long Queries => Positions.shape[1];

    /// <summary>
    /// One layer's attention: q [batch, head, query, d_head] for this layout's queries; k, v
    /// [batch, kv_head, token, d_head] of every new token of the pass (a cache the layout owns
    /// is appended to first). Grouped-query heads are expanded here. With a
    /// <paramref name="window"/> a query sees only the keys less than window positions before it.
    /// The pattern passes through <paramref name="hookPattern"/> when something watches it;
    /// otherwise the fused kernel computes the same result without materialising it. With a
    /// <paramref name="softCap"/> the scores become tanh(s / cap) * cap before the mask (Gemma 2),
    /// on the explicit path. Returns z [batch, head, query, d_head].
    /// </summary>
    public abstract Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? window, HookPoint hookPattern, double? softCap = null);

    /// <summary>
    /// This layout as seen by its queries from <paramref name="from"/> on only (keys and values
    /// still come from every token): the last layer of a pass that needs logits only from there.
    /// </summary>
    public abstract AttentionLayout KeepQueriesFrom(long from);

    /// <summary>Checks <paramref name="from"/> names a query of this layout other than the first.</summary>
    protected void CheckQueryStart(long from)
    {
        if (from <= 0 || from >= Queries)
            throw new ArgumentOutOfRangeException(nameof(from), $"query start {from} is outside the {Queries} queries of this pass");
    }
}
