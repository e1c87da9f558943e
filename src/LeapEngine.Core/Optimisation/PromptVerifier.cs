using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Checks discrete prompts the only way that counts: greedy generation from their token ids
/// through the ordinary forward pass (real embeddings, KV cache), all candidates in one batch.
/// Results are remembered, so a span seen before is not generated again.
/// </summary>
internal sealed class PromptVerifier
{
    private readonly OptimisationProblem _problem;
    private readonly Dictionary<string, Verification> _seen = new();
    private readonly GenerationOptions _options;

    public PromptVerifier(OptimisationProblem problem)
    {
        _problem = problem;
        _options = new GenerationOptions
        {
            MaxNewTokens = problem.Cost.VerifyNewTokens,
            Temperature = 0,
            StopAtEos = true,
        };
    }

    public sealed record Verification(int[] GeneratedIds, string Continuation, bool Success);

    /// <summary>Prompts generated so far (distinct spans).</summary>
    public int Generated { get; private set; }

    /// <summary>Forward-token work of verifying one new prompt: its prefill plus every token it may generate.</summary>
    public long WorkPerPrompt => _problem.Cost.VerifyWorkPerPrompt;

    /// <summary>Verifies every span (rows of ids); returns whether each one says the target.</summary>
    public Verification[] Verify(IReadOnlyList<int[]> spans, CancellationToken ct)
    {
        var fresh = spans.Select(Key).Distinct().Where(k => !_seen.ContainsKey(k)).ToList();
        if (fresh.Count > 0)
        {
            var prompts = fresh.Select(k => (IReadOnlyList<int>)_problem.FullPrompt(Parse(k))).ToList();
            var outputs = Generate(prompts, ct);
            for (int i = 0; i < fresh.Count; i++) _seen[fresh[i]] = Judge(prompts[i], outputs[i]);
            Generated += fresh.Count;
        }
        return spans.Select(s => _seen[Key(s)]).ToArray();
    }

    /// <summary>Generates again from scratch (no memory) and judges: the final re-check of reported prompts.</summary>
    public Verification[] Recheck(IReadOnlyList<int[]> spans, CancellationToken ct)
    {
        if (spans.Count == 0) return [];
        var prompts = spans.Select(s => (IReadOnlyList<int>)_problem.FullPrompt(s)).ToList();
        var outputs = Generate(prompts, ct);
        return prompts.Select((p, i) => Judge(p, outputs[i])).ToArray();
    }

    /// <summary>The full record of a verified span: texts, target log-probability and prompt perplexity.</summary>
    public PromptSuccess Describe(int[] span, Verification verification, int step, string phase, double seconds)
    {
        var model = _problem.Model;
        var full = _problem.FullPrompt(span);
        var fullText = model.Decode(full);
        return new PromptSuccess
        {
            Step = step,
            Phase = phase,
            PromptIds = span,
            PromptText = model.Decode(span),
            FullPromptIds = full,
            FullPromptText = fullText,
            TextRoundTrips = model.Encode(fullText).Ids.SequenceEqual(full),
            GeneratedIds = verification.GeneratedIds,
            Generation = verification.Continuation,
            TargetLogProb = Scoring.ContinuationLogProbs(model.Network, full, _problem.TargetIds).Sum(x => (double)x),
            Perplexity = Perplexity(span),
            SecondsElapsed = seconds,
        };
    }

    /// <summary>exp(mean NLL) of the span's tokens given what precedes them; the first token is skipped when nothing precedes it.</summary>
    private double? Perplexity(int[] span)
    {
        var context = _problem.ContextIds;
        var (before, scored) = context.Length > 0 ? (context, span) : (span[..1], span[1..]);
        if (scored.Length == 0) return null;
        var logProbs = Scoring.ContinuationLogProbs(_problem.Model.Network, before, scored);
        return Math.Exp(-logProbs.Average(x => (double)x));
    }

    private int[][] Generate(IReadOnlyList<IReadOnlyList<int>> prompts, CancellationToken ct) =>
        TextGenerator.GenerateBatch(_problem.Model.Network, prompts, _options, _problem.Model.EosId, ct);

    private Verification Judge(IReadOnlyList<int> prompt, int[] generated)
    {
        var continuation = _problem.Model.DecodeContinuation(prompt, generated);
        var request = _problem.Request;
        return new Verification(generated, continuation, TargetMatch.Appears(continuation, request.Target, request.ExactContinuation));
    }

    private static string Key(int[] span) => string.Join(',', span);

    private static int[] Parse(string key) => key.Split(',').Select(int.Parse).ToArray();
}
