using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// SolidGoldMagikarp-style descent: B spans of free vectors X, fed to the model as X/|X| times
/// the typical embedding length, trained with Adam on the target loss plus a pull towards the
/// nearest allowed token (mean of 1 - max cosine). Adam is written out here so one candidate
/// can be restarted (its moments and step count reset) without touching the others.
/// </summary>
internal sealed class EmbeddingDescent : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly OptimisationProblem _problem;
    private readonly Tensor _x;        // [B, length, d] free parameters
    private readonly Tensor _m, _v;    // Adam moments, same shape
    private readonly Tensor _t;        // [B, 1, 1] Adam steps per candidate
    private readonly DescentOptions _options;
    private readonly bool _straightThrough;

    /// <param name="options">Adam's learning rate and the weight of the pull towards the nearest allowed token.</param>
    /// <param name="straightThrough">Score the nearest-token readout and apply its gradient to the free vectors (PEZ).</param>
    public EmbeddingDescent(OptimisationProblem problem, DescentOptions options, Tensor startDirections, bool straightThrough = false)
    {
        _problem = problem;
        _options = options;
        _straightThrough = straightThrough;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _x = startDirections.to(ScalarType.Float32).clone().DetachFromDisposeScope();
        _m = zeros_like(_x).DetachFromDisposeScope();
        _v = zeros_like(_x).DetachFromDisposeScope();
        _t = zeros(_x.shape[0], 1, 1, device: _x.device).DetachFromDisposeScope();
    }

    public int Candidates => (int)_x.shape[0];

    /// <summary>
    /// Reads out the nearest tokens of the current spans (what gets verified), then takes one
    /// Adam step. Returns the readout ids [B, length] and each candidate's loss and target NLL
    /// (before the step).
    /// </summary>
    public (Tensor ReadoutIds, float[] Loss, float[] TargetNll) Step()
    {
        using var scope = NewDisposeScope();
        var leaf = _x.detach().requires_grad_(true);
        var direction = leaf / leaf.norm(-1, keepdim: true).ClampMin(1e-12);          // [B, length, d]
        var cos = matmul(direction, _problem.UnitAllowed.t());                          // [B, length, allowed]
        var (nearestCos, index) = cos.max(-1);                                          // [B, length]
        var readout = _problem.Allowed.index_select(0, index.reshape(-1)).reshape(index.shape);  // [B, length]
        var input = direction.Times(_problem.EmbeddingScale);                                 // [B, length, d]
        // Straight-through (PEZ, Wen et al. 2023): the loss of the readout tokens themselves, its gradient applied to X.
        if (_straightThrough) input = input.Plus((_problem.EmbedIds(readout) - input).detach());
        var (total, targetNll) = _problem.Loss(input, readout);
        var loss = total.Plus(nearestCos.SubtractedFrom(1L).mean([1]).Times(_options.NearestTokenWeight));  // [B]
        var grad = autograd.grad([loss.sum()], [leaf])[0];
        using (no_grad())
        using (var scalars = new ScalarScope())
        {
            _t.add_(scalars.Of(1L), scalars.Of(1L));
            _m.mul_(scalars.Of(Beta1)).add_(grad, scalars.Of(1 - Beta1));
            _v.mul_(scalars.Of(Beta2)).addcmul_(grad, grad, scalars.Of(1 - Beta2));
            var mHat = _m / _t.Times(Math.Log(Beta1)).exp().SubtractedFrom(1L);   // bias corrections 1 - beta^t
            var vHat = _v / _t.Times(Math.Log(Beta2)).exp().SubtractedFrom(1L);
            _x.sub_(mHat.Times(_options.LearningRate) / vHat.sqrt().Plus(Epsilon));
        }
        return (readout.detach().MoveToOuterDisposeScope(), Floats(loss), Floats(targetNll));
    }

    /// <summary>The current nearest-token readout [B, length] without stepping.</summary>
    public Tensor Readout()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return _problem.Nearest(_x).Ids.MoveToOuterDisposeScope();
    }

    /// <summary>The <paramref name="k"/> allowed tokens nearest (cosine) each current position [B, length, k], nearest first.</summary>
    public Tensor NearestTokens(int k)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var unit = _x / _x.norm(-1, keepdim: true).ClampMin(1e-12);                   // [B, length, d]
        var index = matmul(unit, _problem.UnitAllowed.t()).topk(k, dim: -1).indexes;    // [B, length, k]
        return _problem.Allowed.index_select(0, index.reshape(-1)).reshape(index.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Restarts the given candidates from new directions [rows, length, d].</summary>
    public void Restart(IReadOnlyList<int> rows, Tensor directions)
    {
        if (rows.Count == 0) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var index = tensor(rows.Select(r => (long)r).ToArray(), device: _x.device);
        _x.index_copy_(0, index, directions.to(ScalarType.Float32));
        using var scalars = new ScalarScope();
        var zero = scalars.Of(0L);
        _m.index_fill_(0, index, zero);
        _v.index_fill_(0, index, zero);
        _t.index_fill_(0, index, zero);
    }

    private static float[] Floats(Tensor t) => t.detach().cpu().data<float>().ToArray();

    public void Dispose()
    {
        _x.Dispose();
        _m.Dispose();
        _v.Dispose();
        _t.Dispose();
    }
}
