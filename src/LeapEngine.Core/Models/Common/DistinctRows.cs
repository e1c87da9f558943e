using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// The distinct rows of a pass's first-layer input. The first block's query/key/value
/// projection sees each token alone (before any attention), so where the same input repeats
/// (perturbed prompts in one batch share most tokens at the same positions) it needs to run
/// once per distinct input and be copied back: about 2% of a GPT-2-sized pass over 8 rows
/// that share their suffix.
/// </summary>
public sealed class DistinctRows
{
    /// <summary>Use it only when at most this share of the rows is distinct; otherwise the copies cost more than they save.</summary>
    private const double MaxDistinctShare = 0.75;

    private readonly Tensor _representatives;   // [distinct] one flat row index per distinct input
    private readonly Tensor _inverse;           // [batch * tokens] distinct index of every row

    private DistinctRows(Tensor representatives, Tensor inverse, long count)
    {
        _representatives = representatives;
        _inverse = inverse;
        Count = count;
    }

    public long Count { get; }

    /// <summary>
    /// Groups the rows by <paramref name="keys"/> [batch, tokens] (equal keys = equal inputs);
    /// null when too few rows repeat for the copies to pay.
    /// </summary>
    public static DistinctRows? Find(Tensor keys)
    {
        var flat = keys.reshape(-1);
        var (distinct, inverse, _) = flat.unique(sorted: false, return_inverse: true);
        long count = distinct.shape[0], rows = flat.shape[0];
        if (count > MaxDistinctShare * rows) return null;
        // Any occurrence will do as the representative: equal keys carry equal inputs.
        var representatives = zeros(count, dtype: ScalarType.Int64, device: keys.device)
            .scatter_(0, inverse!, ScalarOps.Arange(0, rows, device: keys.device));
        return new DistinctRows(representatives, inverse!, count);
    }

    /// <summary>[batch, token, features] to the distinct rows [distinct, features].</summary>
    public Tensor Compact(Tensor x) => x.reshape(-1, x.shape[^1]).index_select(0, _representatives);

    /// <summary>[distinct, features] back to every row [batch, token, features].</summary>
    public Tensor Expand(Tensor rows, long batch, long tokens) =>
        rows.index_select(0, _inverse).view(batch, tokens, rows.shape[^1]);

    /// <summary>A linear map of x [batch, token, in] computed once per distinct row.</summary>
    public Tensor Apply(Func<Tensor, Tensor> linear, Tensor x) => Expand(linear(Compact(x)), x.shape[0], x.shape[1]);
}
