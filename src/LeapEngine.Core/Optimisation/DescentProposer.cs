using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// The interleaved hybrids' descent side: a few embedding-descent steps per GCG step, whose
/// nearest-token readouts are offered to GCG as trial spans (each readout whole, each of its
/// tokens as a single substitution into GCG's current span, and the next-nearest tokens of the
/// final point as further substitutions). Descent proposes; GCG scores the proposals exactly
/// next to its own gradient-ranked swaps and keeps the best. One Adam step from a token moves
/// every coordinate by about the learning rate, so the tokens nearest where it lands are a
/// non-linear ranking of substitutions (GCG's own is linear in the one-hot gradient).
/// </summary>
internal sealed class DescentProposer : IDisposable
{
    private readonly OptimisationProblem _problem;
    private readonly EmbeddingDescent _descent;
    private readonly bool _anchored;
    private readonly SeededRandom? _ablation;

    /// <param name="options">The hybrid's options: anchored restarts descent from GCG's current tokens every step (a
    /// lookahead from where GCG stands), chain runs its own chain; descent steps with their <see cref="HybridOptions.Descent"/>.</param>
    /// <param name="start">Starting directions [B, length, d] of the descent chain.</param>
    /// <param name="ablation">When given, readouts are replaced by random allowed tokens from it (<see cref="InterleavedHybridOptions.AblateRandomProposals"/>).</param>
    public DescentProposer(OptimisationProblem problem, InterleavedHybridOptions options, Tensor start, SeededRandom? ablation = null)
    {
        _problem = problem;
        _anchored = options is AnchoredHybridOptions;
        _ablation = ablation;
        _descent = new EmbeddingDescent(problem, options.Descent, start, options.StraightThrough);
    }

    /// <summary>Trial spans per current span [B, readouts * (length + 1), length] from <paramref name="steps"/> descent steps.</summary>
    public Tensor Propose(Tensor current, int steps, int perPosition = 1)
    {
        using var scope = NewDisposeScope();
        int b = (int)current.shape[0], length = _problem.Length;
        if (_anchored)
        {
            var embeds = _problem.EmbedIds(current);                                     // [B, length, d]
            _descent.Restart(Enumerable.Range(0, b).ToList(), embeds / embeds.norm(-1, keepdim: true).ClampMin(1e-12));
        }
        var readouts = new List<Tensor>();
        for (int s = 0; s < steps; s++)
        {
            var (ids, _, _) = _descent.Step();
            // The first readout is the current span (anchored) or the last call's final readout (chain).
            if (s > 0) readouts.Add(ids);
        }
        readouts.Add(_descent.Readout());
        if (_ablation is not null)
            readouts = readouts.Select(_ => RandomTokens([b, length], current.device)).ToList();
        var diagonal = eye(length, dtype: ScalarType.Bool, device: current.device);          // [length, length]
        var parts = new List<Tensor>();
        foreach (var r in readouts)
        {
            parts.Add(r.unsqueeze(1));                                                   // [B, 1, length]: the readout whole
            // Row p: the current span with position p taken from the readout.
            parts.Add(where(diagonal.unsqueeze(0), r.unsqueeze(1), current.unsqueeze(1)));     // [B, length, length]
        }
        if (perPosition > 1)
        {
            // The next-nearest tokens of the final point, each as a single substitution.
            int k = Math.Min(perPosition, _problem.AllowedIds.Length) - 1;
            var near = _ablation is null
                ? _descent.NearestTokens(k + 1).narrow(2, 1, k)                             // [B, length, k]
                : RandomTokens([b, length, k], current.device);
            var swaps = current.unsqueeze(1).unsqueeze(1).expand(b, k, length, length).clone();  // [B, k, position, length]
            swaps.scatter_(3, ScalarOps.Arange(0, length, device: current.device).reshape(1, 1, length, 1).expand(b, k, length, 1),
                near.permute(0, 2, 1).unsqueeze(3));                                       // row (r, p): position p gets the r-th next-nearest token
            parts.Add(swaps.reshape(b, k * length, length));
        }
        return cat(parts, 1).MoveToOuterDisposeScope();                                 // [B, readouts * (length + 1) (+ (k - 1) * length), length]
    }

    /// <summary>Random allowed ids of the given shape (the ablation's stand-in for descent's tokens).</summary>
    private Tensor RandomTokens(long[] shape, Device device) =>
        _problem.Allowed.index_select(0, _ablation!.Integers(_problem.AllowedIds.Length, [shape.Aggregate(1L, (x, y) => x * y)], device)).reshape(shape);

    public void Dispose() => _descent.Dispose();
}
