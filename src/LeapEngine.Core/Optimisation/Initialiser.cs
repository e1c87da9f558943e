using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>Starting points for the span: directions for descent, token ids for GCG.</summary>
internal sealed class Initialiser : IDisposable
{
    private const int NearTargetPool = 16;
    private readonly OptimisationProblem _problem;
    private readonly SeededRandom _random;
    private readonly Tensor _pool;   // [pool, d] unit directions to draw from

    public Initialiser(OptimisationProblem problem, SeededRandom random)
    {
        _problem = problem;
        _random = random;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var unit = problem.UnitAllowed;                                                   // [allowed, d]
        int allowed = (int)unit.shape[0];
        _pool = problem.Request.Initialisation switch
        {
            PromptInitialisation.Centroids => SphericalKMeans.Centroids(unit,
                Math.Min(allowed, Math.Max(16, problem.Request.Candidates * problem.Length)), random),
            PromptInitialisation.NearTarget => NearTarget(problem, Math.Min(allowed, NearTargetPool)),
            _ => unit.alias(),
        };
        _pool = _pool.DetachFromDisposeScope();
    }

    /// <summary>n starting spans as directions [n, length, d].</summary>
    public Tensor Directions(int n)
    {
        using var scope = NewDisposeScope();
        var pick = _random.Integers(_pool.shape[0], [n * _problem.Length], _pool.device);
        return _pool.index_select(0, pick).reshape(n, _problem.Length, -1).MoveToOuterDisposeScope();  // [n, length, d]
    }

    /// <summary>n starting spans as allowed ids [n, length]: the nearest tokens of <see cref="Directions"/>.</summary>
    public Tensor Ids(int n)
    {
        using var scope = NewDisposeScope();
        return _problem.Nearest(Directions(n)).Ids.MoveToOuterDisposeScope();
    }

    /// <summary>The allowed tokens closest (cosine) to any target token.</summary>
    private static Tensor NearTarget(OptimisationProblem problem, int count)
    {
        using var scope = NewDisposeScope();
        var target = tensor(problem.TargetIds.Select(i => (long)i).ToArray(), device: problem.Allowed.device);
        var rows = problem.Model.Network.TokenEmbeddings.index_select(0, target).to(ScalarType.Float32);  // [target, d]
        var unitTarget = rows / rows.norm(1, keepdim: true).ClampMin(1e-12);
        var closeness = matmul(problem.UnitAllowed, unitTarget.t()).amax([1]);           // [allowed]
        var nearest = closeness.topk(count).indexes;
        return problem.UnitAllowed.index_select(0, nearest).MoveToOuterDisposeScope();  // [count, d]
    }

    public void Dispose() => _pool.Dispose();
}
