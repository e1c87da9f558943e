using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common.Layouts;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// One layer's view of a forward pass, the second input of every block and attention module:
/// which layer it is, its sliding window, which queries it keeps (all but in the last layer of a
/// pass that wants only the last logits) and the attention layout as those queries see it.
/// </summary>
public sealed class LayerContext
{
    private readonly AttentionLayout _layout;

    internal LayerContext(ForwardContext pass, int index, int? window, long queryStart, DistinctRows? distinct, AttentionLayout layout)
    {
        Pass = pass;
        Index = index;
        Window = window;
        QueryStart = queryStart;
        _distinct = distinct;
        _layout = layout;
    }

    /// <summary>What every layer of the pass shares (size, positions, rotary tables).</summary>
    public ForwardContext Pass { get; }

    public int Index { get; }

    /// <summary>Keys a query sees at most, in positions (itself included); null: every earlier one.</summary>
    public int? Window { get; }

    /// <summary>First token index whose query (and output row) this layer computes; keys and values come from every token.</summary>
    public long QueryStart { get; }

    /// <summary>Rows this layer outputs: the pass's tokens from <see cref="QueryStart"/> on.</summary>
    public long Queries => Pass.Tokens - QueryStart;

    /// <summary>
    /// The repeated rows of this layer's input (first layer only, when every query is kept):
    /// projections that see each token alone may run once per distinct row.
    /// </summary>
    public DistinctRows? Distinct => QueryStart == 0 ? _distinct : null;
    private readonly DistinctRows? _distinct;

    /// <summary>x [batch, token, ...] narrowed to the rows of the kept queries.</summary>
    public Tensor KeptQueries(Tensor x) => QueryStart == 0 ? x : x.narrow(1, QueryStart, Queries);

    /// <summary>
    /// Attention of the kept queries q [batch, head, query, d_head] over k, v [batch, kv_head,
    /// token, d_head] of every new token, as the pass's layout says (see
    /// <see cref="AttentionLayout.Attend"/>; <paramref name="softCap"/>: Gemma 2's attention logit soft cap).
    /// Returns z [batch, head, query, d_head].
    /// </summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v, HookPoint hookPattern, double? softCap = null) =>
        _layout.Attend(q, k, v, Index, Window, hookPattern, softCap);
}
