using LeapEngine.Core.Tensors;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Serving;

/// <summary>
/// Runs a <see cref="ServingRequest"/>: the prompt once (its logits at every position when the
/// prompt is scored, else at the last one only), then its KV cache shared by every choice, each
/// step sampling one token per unfinished choice. Log-probabilities are the model's own
/// (log-softmax of the logits), whatever temperature or top-p chose the token: that is what
/// teacher-forced scoring compares against, and what vLLM reports by default.
/// </summary>
public static class CompletionSampler
{
    /// <summary>The most alternatives a position reports (OpenAI's chat limit).</summary>
    public const int MaxTopLogProbs = 20;

    /// <param name="onPrompt">Gets the prompt's scores as soon as the prompt has run (only when asked for).</param>
    /// <param name="onToken">Gets each sampled token; returning false ends that choice (a stop sequence matched).</param>
    /// <returns>The prompt's scores, or null when <see cref="ServingRequest.PromptLogProbs"/> is null.</returns>
    /// <param name="cache">
    /// Where the prompt's first tokens may come from and where the prompt is kept afterwards (null: neither); see
    /// <see cref="PromptCache"/>. Reused tokens are not run (nor metered by a hook on the pass); the scores are
    /// the same to float rounding.
    /// </param>
    /// <param name="cacheScope">The <see cref="PromptCache"/> scope this prompt may be shared within.</param>
    /// <param name="onReused">Gets the number of prompt tokens taken from the cache (0 when none), before the prompt runs.</param>
    public static IReadOnlyList<PromptTokenScore>? Run(TransformerModel model, ServingRequest request, int? eosId,
        Action<IReadOnlyList<PromptTokenScore>>? onPrompt, Func<SampledToken, bool> onToken, CancellationToken ct = default,
        PromptCache? cache = null, string cacheScope = "", Action<int>? onReused = null)
    {
        Validate(model.Config, request);
        using var noGrad = no_grad();
        using var rng = new torch.Generator(unchecked((ulong)request.Seed));
        var device = model.Device;
        ct.ThrowIfCancellationRequested();

        var reuse = cache?.Find(cacheScope, request.PromptIds, request.PromptLogProbs);
        var prefix = reuse?.Cache ?? new KvCache(model.Config.NLayers);
        int start = reuse?.Reused ?? 0;
        onReused?.Invoke(start);
        IReadOnlyList<PromptTokenScore>? scores = null;
        Tensor last;                                                                    // [vocab] logits after the prompt
        KvCache rows;                                                                   // the prompt's cache, once per choice
        try
        {
            using (var scope = NewDisposeScope())
            {
                var ids = tensor(request.PromptIds.Skip(start).Select(t => (long)t).ToArray(), device: device).unsqueeze(0);   // [1, token]
                bool score = request.PromptLogProbs is not null;
                var logits = model.Forward(ids, new ForwardOptions { Cache = prefix, LogitsFrom = score ? 0 : -1 })[0]; // [positions, vocab]
                if (score)
                {
                    scores = ScorePrompt(logits, request.PromptIds, start, reuse?.Scores, request.PromptLogProbs!.Value);
                    onPrompt?.Invoke(scores);
                }
                last = logits[-1].MoveToOuterDisposeScope();
            }
            rows = request.MaxNewTokens == 0 ? null! : prefix.ExpandBatch(request.Choices);
        }
        catch
        {
            prefix.Dispose();
            throw;
        }
        // The prompt's own cache is not needed past this point (rows holds views of it): kept, or freed.
        if (cache is null) prefix.Dispose();
        else cache.Add(cacheScope, request.PromptIds, prefix, scores, request.PromptLogProbs ?? 0);
        if (request.MaxNewTokens == 0)
        {
            last.Dispose();
            return scores;
        }

        using var cacheRows = rows;
        var sampling = request.Sampling;
        var active = Enumerable.Range(0, request.Choices).ToList();                    // choice of each cache row
        var stepLogits = last.unsqueeze(0).expand(request.Choices, -1).contiguous();   // [rows, vocab]
        last.Dispose();
        try
        {
            for (int step = 0; ; step++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var chosen = TextGenerator.Choose(stepLogits, sampling, rng);              // [rows]
                var sampled = Describe(stepLogits, chosen, request.TopLogProbs);
                var keep = new List<long>();
                var stillActive = new List<int>();
                for (int row = 0; row < active.Count; row++)
                {
                    var token = sampled[row] with { Choice = active[row] };
                    bool more = onToken(token) && !(request.StopAtEos && token.Id == eosId);
                    if (more) { keep.Add(row); stillActive.Add(active[row]); }
                }
                if (step + 1 >= request.MaxNewTokens || keep.Count == 0) break;
                var next = chosen;
                if (keep.Count < active.Count)
                {
                    var keepRows = tensor(keep.ToArray(), device: device);
                    cacheRows.SelectRows(keepRows);
                    next = chosen.index_select(0, keepRows);
                }
                active = stillActive;
                var logits = model.Forward(next.unsqueeze(1), new ForwardOptions { Cache = cacheRows });   // [rows, 1, vocab]
                stepLogits.Dispose();
                stepLogits = logits.select(1, 0).MoveToOuterDisposeScope();             // [rows, vocab]
            }
        }
        finally
        {
            stepLogits.Dispose();
        }
        return scores;
    }

    private static void Validate(ModelConfig config, ServingRequest r)
    {
        if (r.PromptIds.Count == 0) throw new ArgumentException("the prompt must hold at least one token (add BOS for an empty text)");
        foreach (var id in r.PromptIds)
            if (id < 0 || id >= config.VocabSize)
                throw new ArgumentException($"token id {id} is outside the model's vocabulary of {config.VocabSize}");
        if (r.Choices < 1) throw new ArgumentException($"choices must be >= 1, got {r.Choices}");
        if (r.MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {r.MaxNewTokens}");
        if (r.PromptIds.Count + r.MaxNewTokens > config.ContextLength)
            throw new ArgumentException(
                $"{r.PromptIds.Count} prompt tokens plus {r.MaxNewTokens} new ones exceed the model's context of {config.ContextLength}");
        if (r.TopLogProbs is < 0 or > MaxTopLogProbs) throw new ArgumentException($"top log-probs must be in [0, {MaxTopLogProbs}]");
        if (r.PromptLogProbs is < 0 or > MaxTopLogProbs) throw new ArgumentException($"prompt log-probs must be in [0, {MaxTopLogProbs}]");
        r.Sampling.Validate();
    }

    /// <summary>
    /// Teacher-forced scores of every prompt position: positions 0..start from <paramref name="reused"/> (a cached
    /// prompt's, when the pass began at <paramref name="start"/>), the rest from the logits [positions - start, vocab]
    /// of the pass (the logits at position p score token p + 1).
    /// </summary>
    private static PromptTokenScore[] ScorePrompt(Tensor logits, IReadOnlyList<int> prompt, int start, IReadOnlyList<PromptTokenScore>? reused, int top)
    {
        var result = new PromptTokenScore[prompt.Count];
        if (start > 0)
            for (int i = 0; i <= start; i++) result[i] = reused![i];
        else
            result[0] = new PromptTokenScore(prompt[0], null, null, []);
        int scored = prompt.Count - 1 - start;                                          // positions scored by this pass
        if (scored == 0) return result;
        var logProbs = logits.narrow(0, 0, scored).to(ScalarType.Float32).log_softmax(-1);   // [scored, vocab]
        var targets = tensor(prompt.Skip(start + 1).Select(t => (long)t).ToArray(), device: logits.device).unsqueeze(1);
        var own = logProbs.gather(1, targets);                                         // [scored, 1]
        var ranks = logProbs.gt(own).sum(1).Plus(1L).cpu().data<long>().ToArray();
        var values = own.squeeze(1).cpu().data<float>().ToArray();
        var alternatives = Top(logProbs, top);
        for (int i = start + 1; i < prompt.Count; i++)
            result[i] = new PromptTokenScore(prompt[i], values[i - start - 1], (int)ranks[i - start - 1], alternatives[i - start - 1]);
        return result;
    }

    /// <summary>Each row's chosen token with its log-probability and the <paramref name="top"/> most likely alternatives.</summary>
    private static SampledToken[] Describe(Tensor logits, Tensor chosen, int top)
    {
        var logProbs = logits.to(ScalarType.Float32).log_softmax(-1);                 // [rows, vocab]
        var ids = chosen.to(ScalarType.Int64).cpu().data<long>().ToArray();
        var own = logProbs.gather(1, chosen.to(ScalarType.Int64).to(logits.device).unsqueeze(1)).squeeze(1).cpu().data<float>().ToArray();
        var alternatives = Top(logProbs, top);
        return ids.Select((id, row) => new SampledToken(row, (int)id, own[row], alternatives[row])).ToArray();
    }

    /// <summary>The <paramref name="k"/> largest entries of each row of [rows, vocab], largest first.</summary>
    private static TokenLogProb[][] Top(Tensor logProbs, int k)
    {
        long rows = logProbs.shape[0];
        if (k == 0) return Enumerable.Range(0, (int)rows).Select(_ => Array.Empty<TokenLogProb>()).ToArray();
        k = (int)Math.Min(k, logProbs.shape[1]);
        var (values, indices) = logProbs.topk(k, dim: -1);                              // [rows, k]
        var v = values.cpu().data<float>().ToArray();
        var ix = indices.cpu().data<long>().ToArray();
        var result = new TokenLogProb[rows][];
        for (int r = 0; r < rows; r++)
            result[r] = Enumerable.Range(0, k).Select(j => new TokenLogProb((int)ix[r * k + j], v[r * k + j])).ToArray();
        return result;
    }
}
