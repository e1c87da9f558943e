using LeapEngine.Core.Models.Common.Layouts;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// What every layer of one forward pass shares: its size, the tokens' positions, the
/// attention layout and (built by the first layer that asks) the rotary tables. Built once per
/// pass inside the caller's dispose scope; each layer sees it through its
/// <see cref="LayerContext"/>.
/// </summary>
public sealed class ForwardContext
{
    private readonly AttentionLayout _layout;
    private (ModelConfig Config, ScalarType Dtype, Tensor Cos, Tensor SignedSin)? _rotary;

    private ForwardContext(long batch, long tokens, AttentionLayout layout)
    {
        Batch = batch;
        Tokens = tokens;
        _layout = layout;
    }

    public long Batch { get; }

    /// <summary>New tokens per row in this pass.</summary>
    public long Tokens { get; }

    /// <summary>[batch, tokens] position of each new token among its sequence's real tokens.</summary>
    public Tensor Positions => _layout.Positions;

    /// <summary>How this pass's tokens attend (every query kept; a layer may keep fewer, see <see cref="Layer"/>).</summary>
    public AttentionLayout Layout => _layout;

    /// <summary>
    /// A pass of <paramref name="tokens"/> new tokens per row under the options (padding mask,
    /// positions, cache, packing); the layout is chosen here and nowhere else.
    /// </summary>
    public static ForwardContext Create(long batch, long tokens, Device device, ForwardOptions? options)
    {
        var layout = options?.Packed is { } packed
            ? PackedLayout.Create(batch, tokens, options, packed)
            : MaskedLayout.Create(batch, tokens, device, options);
        return new ForwardContext(batch, tokens, layout);
    }

    /// <summary>
    /// Layer <paramref name="index"/>'s view of the pass: its sliding <paramref name="window"/>
    /// (null: none), the queries it keeps (from <paramref name="queryStart"/> on; the layout
    /// checks it can) and, for the first layer, the repeated rows of its input.
    /// </summary>
    public LayerContext Layer(int index, int? window, long queryStart = 0, DistinctRows? distinct = null) =>
        new(this, index, window, queryStart, distinct, _layout.KeepQueriesFrom(queryStart));

    /// <summary>
    /// cos and signed sin [batch, 1, token, d_head] of the pass's positions (see
    /// <see cref="RotaryEmbedding"/>), built once per pass: every layer of a rotary model uses the same.
    /// </summary>
    public (Tensor Cos, Tensor SignedSin) Rotary(ModelConfig config, ScalarType dtype)
    {
        if (_rotary is not { } r || !ReferenceEquals(r.Config, config) || r.Dtype != dtype)
        {
            var (cos, sin) = RotaryEmbedding.Tables(Positions, config.DHead, config.RopeTheta, dtype, config.RopeScaling);
            _rotary = r = (config, dtype, cos, sin);
        }
        return (r.Cos, r.SignedSin);
    }
}
