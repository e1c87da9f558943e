using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Greedy coordinate gradient (Zou et al. 2023) over B spans at once: the gradient of the loss
/// with respect to one-hot tokens ranks substitutions; per span, SearchWidth random single
/// substitutions from the top-k per position are scored exactly and the best one is taken.
/// </summary>
internal sealed class GreedyCoordinateGradient : IDisposable
{
    private readonly OptimisationProblem _problem;
    private readonly GcgOptions _options;
    private readonly SeededRandom _random;
    private Tensor _ids;   // [B, length]
    private readonly VisitedSpans _visited;

    public GreedyCoordinateGradient(OptimisationProblem problem, GcgOptions options, SeededRandom random, Tensor startIds)
    {
        _problem = problem;
        _options = options;
        _random = random;
        using var scope = NewDisposeScope();
        _ids = startIds.to(ScalarType.Int64).clone().DetachFromDisposeScope();
        _visited = new VisitedSpans(Candidates);
        _visited.Add(_ids);
    }

    public int Candidates => (int)_ids.shape[0];

    /// <summary>How often (candidates x steps) the best trial was a proposal rather than one of GCG's own swaps.</summary>
    public long ProposalsTaken { get; private set; }
    /// <summary>Trial slots filled by proposals (those that differed from the current span).</summary>
    public long ProposalsOffered { get; private set; }

    /// <summary>The current spans [B, length] (a copy).</summary>
    public Tensor Current()
    {
        using var scope = NewDisposeScope();
        return _ids.clone().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One GCG step; returns the new spans [B, length] (what gets verified) and their exact
    /// loss and target NLL. <paramref name="proposals"/> [B, P, length] (P &lt;= SearchWidth), when
    /// given, take the first P trial slots of each span wherever they are spans the candidate has
    /// not held (<see cref="VisitedSpans"/>): other searches propose (the hybrid's descent), GCG
    /// scores them exactly with its own trials.
    /// </summary>
    public (Tensor Ids, float[] Loss, float[] TargetNll) Step(Tensor? proposals = null)
    {
        using var scope = NewDisposeScope();
        int b = Candidates, length = _problem.Length, width = _options.SearchWidth;
        int vocab = (int)_problem.Model.Network.TokenEmbeddings.shape[0];

        var oneHot = nn.functional.one_hot(_ids, vocab).to(ScalarType.Float32).requires_grad_(true);  // [B, length, vocab]
        var embeds = matmul(oneHot, _problem.Model.Network.TokenEmbeddings.to(ScalarType.Float32));     // [B, length, d]
        var (total, _) = _problem.Loss(embeds, _ids);
        var grad = autograd.grad([total.sum()], [oneHot])[0];                                           // [B, length, vocab]

        using (no_grad())
        {
            // Forbidden tokens and the token already in place are never proposed.
            var blocked = _problem.AllowedMask.logical_not().expand(b, length, -1).clone();
            blocked.scatter_(2, _ids.unsqueeze(2), ones(b, length, 1, dtype: ScalarType.Bool, device: blocked.device));
            var score = (-grad).MaskedFill(blocked, double.NegativeInfinity);
            int k = (int)Math.Min(_options.TopK, Math.Max(1, _problem.AllowedIds.Length - 1));
            var top = score.topk(k, dim: 2).indexes;                                                      // [B, length, k]

            var position = _random.Integers(length, [b, width], _ids.device);                           // [B, width]
            var choice = _random.Integers(k, [b, width], _ids.device);                                  // [B, width]
            var rowTop = top.gather(1, position.unsqueeze(2).expand(-1, -1, k));                         // [B, width, k]
            var token = rowTop.gather(2, choice.unsqueeze(2));                                          // [B, width, 1]
            var trial = _ids.unsqueeze(1).expand(-1, width, -1).clone();                                // [B, width, length]
            trial.scatter_(2, position.unsqueeze(2), token);
            Tensor? proposed = null;                                                                     // [B, width]: slot holds a proposal
            if (proposals is not null)
            {
                int p = (int)Math.Min(proposals.shape[1], width);
                var offered = proposals.narrow(1, 0, p).to(ScalarType.Int64);                           // [B, P, length]
                var differs = offered.ne(_ids.unsqueeze(1)).any(2, keepdim: true).logical_and(_visited.Fresh(offered));  // [B, P, 1]
                trial.narrow(1, 0, p).copy_(where(differs, offered, trial.narrow(1, 0, p)));
                proposed = cat([differs.squeeze(2), zeros(b, width - p, dtype: ScalarType.Bool, device: differs.device)], 1);
                ProposalsOffered += differs.sum().item<long>();
            }
            // With a single allowed token, a "substitution" may be the token itself (blocked
            // scores are -inf but still returned by topk); the trial then equals the span.
            var (trialLoss, trialNll) = _problem.LossOfIds(trial.reshape(b * width, length));          // [B * width]
            var best = trialLoss.reshape(b, width).argmin(1);                                          // [B]
            if (proposed is not null) ProposalsTaken += proposed.gather(1, best.unsqueeze(1)).sum().item<long>();
            var next = trial.gather(1, best.reshape(b, 1, 1).expand(-1, 1, length)).squeeze(1);       // [B, length]
            var loss = trialLoss.reshape(b, width).gather(1, best.unsqueeze(1)).squeeze(1);
            var nll = trialNll.reshape(b, width).gather(1, best.unsqueeze(1)).squeeze(1);
            _ids.Dispose();
            _ids = next.DetachFromDisposeScope();
            _visited.Add(_ids);
            return (_ids.clone().MoveToOuterDisposeScope(), Floats(loss), Floats(nll));
        }
    }

    /// <summary>Restarts the given candidates from new spans [rows, length].</summary>
    public void Restart(IReadOnlyList<int> rows, Tensor ids)
    {
        if (rows.Count == 0) return;
        using var scope = NewDisposeScope();
        var index = tensor(rows.Select(r => (long)r).ToArray(), device: _ids.device);
        _ids.index_copy_(0, index, ids.to(ScalarType.Int64));
        _visited.Clear(rows);
        _visited.Add(_ids);
    }

    private static float[] Floats(Tensor t) => t.cpu().data<float>().ToArray();

    public void Dispose() => _ids.Dispose();
}
