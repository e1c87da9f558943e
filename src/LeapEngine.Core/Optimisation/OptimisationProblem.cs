using LeapEngine.Core.Tensors;
using LeapEngine.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// A validated request turned into tensors: the fixed pieces around the span (context = BOS +
/// prefix, suffix, target), the allowed vocabulary and its unit embeddings, and the loss both
/// searches minimise: -log p(target | context, span, suffix), summed over target tokens.
/// </summary>
internal sealed class OptimisationProblem : IDisposable
{
    private readonly Tensor? _contextEmbeds;    // [1, context, d_model]
    private readonly Tensor? _suffixEmbeds;     // [1, suffix, d_model]
    private readonly Tensor? _targetInput;      // [1, target - 1, d_model]: teacher-forced target tokens
    private readonly Tensor _targetIds;         // [1, target]
    private readonly Tensor _contextIds;        // [1, context] (fluency of the first span token)

    public OptimisationProblem(LanguageModel model, OptimisationRequest request)
    {
        request.Validate(model);
        Model = model;
        Request = request;
        ContextIds = TextPieces.Context(model, request.Prefix);
        SuffixIds = model.ContinuationIds(request.Suffix);
        TargetIds = model.ContinuationIds(request.Target);
        AllowedIds = Vocabulary.Allowed(model, request.Vocabulary, request.AllowedTokenIds);
        Cost = new OptimisationCost(request, ContextIds.Length, SuffixIds.Length, TargetIds.Length);

        using var noGrad = no_grad();
        // Everything kept is detached from this scope; the rest is freed when the constructor ends.
        using var scope = NewDisposeScope();
        var device = model.Device;
        var embedding = model.Network.TokenEmbeddings;                                  // [vocab, d_model]
        Allowed = tensor(AllowedIds.Select(i => (long)i).ToArray(), device: device).DetachFromDisposeScope();
        var rows = embedding.index_select(0, Allowed).to(ScalarType.Float32);           // [allowed, d_model]
        var norms = rows.norm(1, keepdim: true);                                          // [allowed, 1]
        EmbeddingScale = norms.mean().item<float>();
        UnitAllowed = (rows / norms.ClampMin(1e-12)).DetachFromDisposeScope();
        AllowedMask = zeros(model.Config.VocabSize, dtype: ScalarType.Bool, device: device).DetachFromDisposeScope();  // [vocab]
        using var scalars = new ScalarScope();
        AllowedMask.index_fill_(0, Allowed, scalars.Of(true));

        _contextEmbeds = Embed(ContextIds);
        _suffixEmbeds = Embed(SuffixIds);
        _targetInput = Embed(TargetIds[..^1]);
        _targetIds = Ids(TargetIds).DetachFromDisposeScope();
        _contextIds = Ids(ContextIds).DetachFromDisposeScope();
    }

    public LanguageModel Model { get; }
    public OptimisationRequest Request { get; }
    public int[] ContextIds { get; }
    public int[] SuffixIds { get; }
    public int[] TargetIds { get; }
    public int[] AllowedIds { get; }
    /// <summary>Allowed ids [allowed] (int64).</summary>
    public Tensor Allowed { get; }
    /// <summary>Allowed token embeddings scaled to length 1 [allowed, d_model].</summary>
    public Tensor UnitAllowed { get; }
    /// <summary>True at allowed ids [vocab].</summary>
    public Tensor AllowedMask { get; }
    /// <summary>Mean length of the allowed embeddings: unit directions are fed at this length, the scale real tokens have.</summary>
    public float EmbeddingScale { get; }
    public int Length => Request.Length;
    /// <summary>The work model of this request (step costs for the budget checks).</summary>
    public OptimisationCost Cost { get; }
    /// <summary>Tokens in one loss sequence (<see cref="OptimisationCost.LossTokens"/>).</summary>
    public int LossTokens => Cost.LossTokens;

    /// <summary>The whole prompt a span stands in: context, span, suffix.</summary>
    public int[] FullPrompt(IReadOnlyList<int> span) => [.. ContextIds, .. span, .. SuffixIds];

    /// <summary>
    /// Per-candidate objective for span embeddings [n, length, d_model]: the target's negative
    /// log-likelihood, plus (with a fluency weight) the mean negative log-likelihood of
    /// <paramref name="spanIds"/> [n, length] as the model reads them. Gradients flow to the
    /// embeddings. Returns (total [n], target NLL [n]).
    /// With <see cref="OptimisationRequest.TargetWindow"/> k &gt; 0 the target NLL is that of the
    /// target anywhere in the first k + 1 positions after the prompt, as the success test reads
    /// it: -log of the sum over offsets j = 0..k of p(target | prompt, g_1..g_j), where g are the
    /// model's own greedy tokens after the prompt (held fixed; one forward pass per offset, each
    /// pass's prediction after the prompt and g_1..g_j gives g_(j+1)).
    /// With <see cref="OptimisationRequest.GreedyMargin"/> the total uses the greedy margin
    /// (<see cref="MarginLoss"/>) in place of the target NLL; the NLL is still returned.
    /// </summary>
    public (Tensor Total, Tensor TargetNll) Loss(Tensor spanEmbeds, Tensor spanIds)
    {
        using var scope = NewDisposeScope();
        long n = spanEmbeds.shape[0];
        var parts = new List<Tensor>();
        if (_contextEmbeds is not null) parts.Add(_contextEmbeds.expand(n, -1, -1));
        parts.Add(spanEmbeds.to(ScalarType.Float32));
        if (_suffixEmbeds is not null) parts.Add(_suffixEmbeds.expand(n, -1, -1));
        var prompt = cat(parts, 1);                                                    // [n, prompt, d_model]
        var (logProbs, targetNll) = TargetPass(prompt, n);
        var total = Request.GreedyMargin is { } margin ? MarginLoss(logProbs, n, margin) : targetNll;
        int c = ContextIds.Length;
        if (FluencyRows)
        {
            // Row r predicts the token at position from + r + 1; span tokens sit at c .. c + length - 1.
            var tokens = c > 0 ? cat([_contextIds.narrow(1, c - 1, 1).expand(n, -1), spanIds], 1) : spanIds;  // [n, rows + 1]
            int rows = (int)tokens.shape[1] - 1;
            var spanRows = logProbs.narrow(1, 0, rows);                                 // [n, rows, vocab]
            var nll = -spanRows.gather(2, tokens.narrow(1, 1, rows).unsqueeze(2)).squeeze(2).mean([1]);  // [n]
            total = total.Plus(nll.Times(Request.FluencyWeight));
        }
        if (Request.TargetWindow > 0)
        {
            var nlls = new List<Tensor> { targetNll };
            var free = prompt;                                                          // [n, prompt + j, d_model]
            var last = logProbs.narrow(1, logProbs.shape[1] - TargetIds.Length, 1);     // [n, 1, vocab]: prediction after prompt + g_1..g_j
            var ended = zeros(n, dtype: ScalarType.Bool, device: prompt.device);       // greedy said EOS: nothing follows
            for (int j = 1; j <= Request.TargetWindow; j++)
            {
                var greedy = last.detach().argmax(-1);                                  // [n, 1]
                if (Model.EosId is { } eos) ended = ended.logical_or(greedy.squeeze(1).IsEqualTo(eos));
                free = cat([free, EmbedIds(greedy)], 1);                                 // [n, prompt + j, d_model]
                var (pass, nll) = TargetPass(free, n);
                last = pass.narrow(1, pass.shape[1] - TargetIds.Length, 1);
                nlls.Add(nll.MaskedFill(ended, double.PositiveInfinity));
            }
            targetNll = -(-stack(nlls, 1)).logsumexp(1);                                // [n]
            total = FluencyRows ? (total - nlls[0]).Plus(targetNll) : targetNll;
        }
        return (total.MoveToOuterDisposeScope(), targetNll.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The greedy-margin objective [n]: per target token, how far (in log-probability) the best
    /// other token is above the target token plus the margin, floored at 0, summed. Zero means
    /// greedy decoding says the target (by at least the margin at every token); the NLL, which
    /// the searches otherwise minimise, can be low while another token still wins.
    /// </summary>
    private Tensor MarginLoss(Tensor logProbs, long n, double margin)
    {
        int t = TargetIds.Length;
        var rows = logProbs.narrow(1, logProbs.shape[1] - t, t);                          // [n, target, vocab]
        var index = _targetIds.expand(n, -1).unsqueeze(2);                                // [n, target, 1]
        var target = rows.gather(2, index).squeeze(2);                                   // [n, target]
        using var scalars = new ScalarScope();
        var other = rows.scatter(2, index, full(index.shape, scalars.Of(float.NegativeInfinity), device: rows.device)).amax([2]);  // [n, target]: best other token
        return (other - target).Plus(margin).ClampMin(0).sum(1);                            // [n]
    }

    private bool FluencyRows => Request.FluencyWeight > 0 && (ContextIds.Length > 0 || Length > 1);

    /// <summary>
    /// One teacher-forced pass of the target after <paramref name="prompt"/> [n, p, d_model]:
    /// log-probs [n, rows, vocab] (from the fluency rows on when they are wanted by the first
    /// pass, else the target's rows) and the target NLL [n].
    /// </summary>
    private (Tensor LogProbs, Tensor TargetNll) TargetPass(Tensor prompt, long n)
    {
        var input = _targetInput is null ? prompt : cat([prompt, _targetInput.expand(n, -1, -1)], 1);  // [n, token, d_model]
        int t = TargetIds.Length, c = ContextIds.Length;
        bool fluency = FluencyRows && prompt.shape[1] == c + Length + SuffixIds.Length;
        int from = fluency ? Math.Max(c - 1, 0) : (int)input.shape[1] - t;
        var logProbs = Model.Network.ForwardEmbeddings(input, new Models.Common.ForwardOptions { LogitsFrom = from })
            .to(ScalarType.Float32).log_softmax(-1);                                 // [n, token - from, vocab]
        var targetRows = logProbs.narrow(1, logProbs.shape[1] - t, t);                  // [n, target, vocab]
        var targetNll = -targetRows.gather(2, _targetIds.expand(n, -1).unsqueeze(2)).squeeze(2).sum(1);  // [n]
        return (logProbs, targetNll);
    }

    /// <summary>Exact objective of token spans [n, length], without gradients, in memory-bounded chunks.</summary>
    public (Tensor Total, Tensor TargetNll) LossOfIds(Tensor spanIds)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long n = spanIds.shape[0];
        long tokens = ContextIds.Length + Length + SuffixIds.Length + TargetIds.Length + Request.TargetWindow;
        // About 32M logit floats per chunk (x2 for the log-softmax).
        long chunk = Math.Max(1, (1L << 25) / (tokens * Model.Config.VocabSize));
        var totals = new List<Tensor>();
        var targets = new List<Tensor>();
        for (long start = 0; start < n; start += chunk)
        {
            var ids = spanIds.narrow(0, start, Math.Min(chunk, n - start));            // [chunk, length]
            var (total, target) = Loss(EmbedIds(ids), ids);
            totals.Add(total);
            targets.Add(target);
        }
        return (cat(totals).MoveToOuterDisposeScope(), cat(targets).MoveToOuterDisposeScope());
    }

    /// <summary>Token embeddings of ids [n, length] → [n, length, d_model].</summary>
    public Tensor EmbedIds(Tensor ids)
    {
        using var scope = NewDisposeScope();
        return Model.Network.TokenEmbeddings.index_select(0, ids.reshape(-1))
            .reshape(ids.shape[0], ids.shape[1], -1).to(ScalarType.Float32).MoveToOuterDisposeScope();  // [n, length, d_model]
    }

    /// <summary>Nearest allowed token (cosine) of each direction [n, length, d_model] → ids [n, length] and cosines.</summary>
    public (Tensor Ids, Tensor Cosine) Nearest(Tensor directions)
    {
        using var scope = NewDisposeScope();
        var unit = directions / directions.norm(-1, keepdim: true).ClampMin(1e-12);
        var cos = matmul(unit, UnitAllowed.t());                                         // [n, length, allowed]
        var (best, index) = cos.max(-1);
        return (Allowed.index_select(0, index.reshape(-1)).reshape(index.shape).MoveToOuterDisposeScope(),  // [n, length]
            best.MoveToOuterDisposeScope());
    }

    private Tensor? Embed(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0) return null;
        using var scope = NewDisposeScope();
        return EmbedIds(Ids(ids)).DetachFromDisposeScope();                             // [1, n, d_model]
    }

    private Tensor Ids(IReadOnlyList<int> ids) =>
        tensor(ids.Select(i => (long)i).ToArray(), device: Model.Device).reshape(1, ids.Count);   // [1, n]

    public void Dispose()
    {
        foreach (var t in new[] { _contextEmbeds, _suffixEmbeds, _targetInput, _targetIds, _contextIds, Allowed, UnitAllowed, AllowedMask })
            t?.Dispose();
    }
}
