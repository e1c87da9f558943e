using LeapEngine.Core.Models.Common;
using static TorchSharp.torch;

namespace LeapEngine.Core.Synthetic;

/// <summary>Held-out accuracy at one prompt length.</summary>
public sealed record LengthAccuracy(int Length, int Correct, int Total)
{
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;
}

/// <summary>How often the model's answer to an intervened prompt is the one the planted mechanism implies.</summary>
public sealed record InterventionOutcome(string Name, int Agreed, int Total, int Changed)
{
    public double Rate => Total == 0 ? 0 : (double)Agreed / Total;
}

/// <summary>Held-out accuracy (fresh prompts from a seed the training never drew) and the causal checks.</summary>
public sealed record EvaluationReport(int Seed, IReadOnlyList<LengthAccuracy> Lengths, IReadOnlyList<InterventionOutcome> Interventions)
{
    public int Correct => Lengths.Sum(l => l.Correct);
    public int Total => Lengths.Sum(l => l.Total);
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;
}

/// <summary>Scores a synthetic model on fresh prompts and on the task's interventions.</summary>
public static class SyntheticEvaluator
{
    /// <summary>
    /// <paramref name="perLength"/> fresh prompts at each of <paramref name="lengths"/>, drawn from
    /// <paramref name="seed"/>; every prompt's interventions are checked against the model's answer to them.
    /// </summary>
    public static EvaluationReport Evaluate(TransformerModel model, SyntheticTask task, int seed, IReadOnlyList<int> lengths, int perLength)
    {
        var rng = new Random(seed);
        var lengthResults = new List<LengthAccuracy>();
        var outcomes = new Dictionary<string, (int Agreed, int Total, int Changed)>();
        foreach (int length in lengths)
        {
            if (length + 2 > model.Config.ContextLength)
                throw new ArgumentException($"length {length} (+ BOS, + an inserted word) does not fit the context length {model.Config.ContextLength}");
            var examples = Enumerable.Range(0, perLength).Select(_ => task.Sample(rng, length)).ToList();
            var answers = Predict(model, examples.Select(e => e.Tokens).ToList());
            lengthResults.Add(new LengthAccuracy(length, examples.Where((e, i) => answers[i] == e.Answer).Count(), examples.Count));

            var interventions = examples.SelectMany((e, i) => task.Interventions(e, rng).Select(v => (Before: answers[i], v))).ToList();
            var after = Predict(model, interventions.Select(x => x.v.Tokens).ToList());
            for (int i = 0; i < interventions.Count; i++)
            {
                var (before, v) = interventions[i];
                var o = outcomes.GetValueOrDefault(v.Name);
                outcomes[v.Name] = (o.Agreed + (after[i] == v.ExpectedAnswer ? 1 : 0), o.Total + 1, o.Changed + (after[i] != before ? 1 : 0));
            }
        }
        return new EvaluationReport(seed, lengthResults,
            outcomes.Select(o => new InterventionOutcome(o.Key, o.Value.Agreed, o.Value.Total, o.Value.Changed)).ToList());
    }

    /// <summary>The model's greedy next word after BOS + each prompt (prompts of any lengths; one pass per length).</summary>
    public static int[] Predict(TransformerModel model, IReadOnlyList<int[]> prompts, int batchSize = 64)
    {
        var result = new int[prompts.Count];
        int bos = SyntheticVocabulary.Instance.BosId;
        foreach (var group in prompts.Select((p, i) => (p, i)).GroupBy(x => x.p.Length))
        {
            foreach (var chunk in group.Chunk(batchSize))
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                int width = group.Key + 1;
                var ids = new long[chunk.Length * width];
                for (int b = 0; b < chunk.Length; b++)
                {
                    ids[b * width] = bos;
                    for (int t = 0; t < group.Key; t++) ids[b * width + 1 + t] = chunk[b].p[t];
                }
                var input = tensor(ids, [chunk.Length, width]).to(model.Device);
                var logits = model.Forward(input, new ForwardOptions { LogitsFrom = width - 1 });   // [batch, 1, vocab]
                var best = logits[.., 0, ..].argmax(-1).cpu().data<long>().ToArray();
                for (int b = 0; b < chunk.Length; b++) result[chunk[b].i] = (int)best[b];
            }
        }
        return result;
    }
}
