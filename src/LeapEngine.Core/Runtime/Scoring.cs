using LeapEngine.Core.Models.Common;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>Teacher-forced scoring of continuations.</summary>
public static class Scoring
{
    /// <summary>
    /// Log-probability of each continuation token given the prompt and the continuation
    /// tokens before it, in one forward pass (logits only at the positions that predict it).
    /// </summary>
    public static float[] ContinuationLogProbs(TransformerModel model, IReadOnlyList<int> prompt, IReadOnlyList<int> continuation) =>
        ContinuationLogProbsBatch(model, [(prompt, continuation)])[0];

    /// <summary>
    /// Batched form: pairs of (prompt, continuation) of any lengths, right-padded into one pass.
    /// </summary>
    public static float[][] ContinuationLogProbsBatch(TransformerModel model,
        IReadOnlyList<(IReadOnlyList<int> Prompt, IReadOnlyList<int> Continuation)> pairs)
    {
        if (pairs.Count == 0) return [];
        foreach (var (p, c) in pairs)
        {
            if (p.Count == 0) throw new ArgumentException("the prompt must hold at least one token (add BOS for an empty text)");
            if (c.Count == 0) throw new ArgumentException("the continuation must hold at least one token");
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var sequences = pairs.Select(p => (IReadOnlyList<int>)p.Prompt.Concat(p.Continuation).ToArray()).ToList();
        var (ids, mask) = TokenBatch.RightPadded(sequences, model.Device);
        // The earliest position whose logits any pair needs: the last prompt token of the shortest prompt.
        int from = pairs.Min(p => p.Prompt.Count) - 1;
        var logProbs = model.Forward(ids, new ForwardOptions { AttentionMask = mask, LogitsFrom = from })
            .to(ScalarType.Float32).log_softmax(-1);                                 // [batch, token - from, vocab]

        var result = new float[pairs.Count][];
        for (int b = 0; b < pairs.Count; b++)
        {
            var (prompt, continuation) = pairs[b];
            var rows = logProbs[b].narrow(0, prompt.Count - 1 - from, continuation.Count);   // [continuation, vocab]
            var targets = tensor(continuation.Select(t => (long)t).ToArray(), device: model.Device).unsqueeze(1);
            result[b] = rows.gather(1, targets).squeeze(1).cpu().data<float>().ToArray();
        }
        return result;
    }
}
