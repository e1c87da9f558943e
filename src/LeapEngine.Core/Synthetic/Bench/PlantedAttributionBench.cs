using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// Where one marked word of the prompts ranked: a planted word (it decides the answer by construction) or a word
/// that is marked but irrelevant by construction (the control model's system word). Ranks are mid-ranks (ties share
/// the mean of their places, so a method that scores every word 0 ranks each in the middle, not by position).
/// </summary>
public sealed record PlantedWordRank(string Word, bool Planted, double MeanRank, double TopRate);

/// <summary>Mean scores of one configuration on the prompts of one length (k = planted words per prompt).</summary>
public sealed record PlantedAttributionRow(
    string Task, int ModelSeed, string Config, string Family, string Perturbation, int Length, int Planted, int Prompts,
    double RecallAtK, double AllInTopK, double TopIsPlanted, double MeanBestRank, double MeanWorstRank, double MeanEvaluations,
    int ModelCorrect, IReadOnlyList<PlantedWordRank> Words);

/// <summary>
/// Attribution against the words that jointly decide the answer: the first and second word of a conjunction model,
/// the system word and the item of a system-rule model (sent as a system segment with the plain template, the way a
/// caller would), the item of a system-control model (whose system word is also ranked, as an irrelevant word).
/// Per configuration, on the same prompts: expected recall@k and top-is-planted under random tie-breaking, the
/// mid-rank of the best and worst planted word, each marked word's mean rank, and the forward passes used.
/// </summary>
public static class PlantedAttributionBench
{
    public static bool Supports(SyntheticTask task) => task is ConjunctionTask or SystemRuleTask;

    public static List<PlantedAttributionRow> Run(LanguageModel model, SyntheticTask task, int modelSeed, IReadOnlyList<int> lengths,
        int promptsPerCell, IReadOnlyList<AttributionConfig> configs, IReadOnlyList<string> perturbations, int seed,
        IProgress<string>? progress = null, Action<PlantedAttributionRow>? onRow = null, CancellationToken ct = default)
    {
        if (!Supports(task)) throw new ArgumentException($"the planted-word benchmark scores conjunction, system-rule and system-control models, not {task.Name}");
        ArgumentOutOfRangeException.ThrowIfLessThan(promptsPerCell, 1);
        var rows = new List<PlantedAttributionRow>();
        foreach (int length in lengths)
        {
            // The same prompts for every configuration and perturbation: the comparison is paired.
            var rng = BenchRandom.For(seed, length);
            var examples = Enumerable.Range(0, promptsPerCell).Select(_ => Sample(task, rng, length)).ToList();
            int correct = SyntheticEvaluator.Predict(model.Network, examples.Select(e => e.Tokens).ToList())
                .Where((a, i) => a == examples[i].Answer).Count();
            foreach (var perturbation in perturbations)
                foreach (var config in configs)
                {
                    ct.ThrowIfCancellationRequested();
                    progress?.Report($"length {length}, {perturbation}: {config.Label}");
                    var scored = examples.Select(e => Score(model, task, e, config, perturbation, ct)).ToList();
                    var row = new PlantedAttributionRow(task.Name, modelSeed, config.Label, AttributionCurves.Family(config), perturbation,
                        length, examples[0].Planted.Length, examples.Count,
                        scored.Average(s => s.Recall), scored.Average(s => s.All), scored.Average(s => s.Top),
                        scored.Average(s => s.Best), scored.Average(s => s.Worst), scored.Average(s => s.Evaluations), correct,
                        scored[0].Words.Select((w, i) => new PlantedWordRank(w.Word, w.Planted,
                            scored.Average(s => s.Words[i].Rank), scored.Average(s => s.Words[i].Top))).ToList());
                    rows.Add(row);
                    onRow?.Invoke(row);
                }
        }
        return rows;
    }

    /// <summary>A prompt whose answer the planted words decide: both conjunction words; a rule word (sa or sb, alternating at random) and an item.</summary>
    public static SyntheticExample Sample(SyntheticTask task, Random rng, int length) => task switch
    {
        ConjunctionTask c => c.Sample(rng, length, withFirst: true, withSecond: true),
        SystemRuleTask s => s.Sample(rng, length, rng.Next(2) == 0 ? s.RuleA : s.RuleB),
        _ => throw new ArgumentException($"no planted-word prompts for {task.Name}"),
    };

    /// <summary>The words whose ranks are reported, in a fixed order: (name, position in the example's tokens, planted).</summary>
    public static List<(string Word, int Position, bool Planted)> MarkedWords(SyntheticTask task, SyntheticExample example)
    {
        var planted = example.Planted.ToHashSet();
        switch (task)
        {
            case ConjunctionTask:
                var vocab = SyntheticVocabulary.Instance;
                int first = Array.FindIndex(example.Tokens, t => vocab.Word(t)?.StartsWith('x') == true);
                int second = Array.FindIndex(example.Tokens, t => vocab.Word(t)?.StartsWith('y') == true);
                return [("first word", first, planted.Contains(first)), ("second word", second, planted.Contains(second))];
            case SystemRuleTask s:
                int item = example.Planted.Single(p => p != 0);
                return [(s.Control ? "system word (irrelevant)" : "system word", 0, planted.Contains(0)), ("item", item, true)];
            default:
                throw new ArgumentException($"no marked words for {task.Name}");
        }
    }

    private sealed record Scored(double Recall, double All, double Top, double Best, double Worst, double Evaluations,
        List<(string Word, bool Planted, double Rank, double Top)> Words);

    private static Scored Score(LanguageModel model, SyntheticTask task, SyntheticExample e, AttributionConfig config, string perturbation,
        CancellationToken ct)
    {
        // A system-rule prompt goes as a system segment and a user text (the plain template renders the same tokens).
        var (system, user) = task is SystemRuleTask rule ? rule.Segments(e) : ((string?)null, SyntheticVocabulary.Instance.Text(e.Tokens));
        var result = AttributionEngine.Run(model, new AttributionRequest
        {
            System = system, Text = user, Template = system is null ? "auto" : "plain",
            Method = config.Method, Hipe = config.Hipe, Unit = "word", Perturbation = perturbation, MaxNewTokens = 1,
        }, ct: ct);
        var units = UnitsByPosition(result, e);
        var scores = result.Units.Select(u => u.Score).ToArray();
        var plantedUnits = e.Planted.Select(p => units[p]).ToArray();
        int k = plantedUnits.Length;
        var ranks = plantedUnits.Select(u => Ranking.MidRank(scores, u)).ToArray();
        var marked = MarkedWords(task, e)
            .Select(w => (w.Word, w.Planted, Rank: Ranking.MidRank(scores, units[w.Position]), Top: Ranking.InTopK(scores, units[w.Position], 1)))
            .ToList();
        return new Scored(
            plantedUnits.Sum(u => Ranking.InTopK(scores, u, k)) / k,
            Ranking.AllInTopK(scores, plantedUnits),
            plantedUnits.Sum(u => Ranking.InTopK(scores, u, 1)),
            ranks.Min(), ranks.Max(), result.Evaluations, marked);
    }

    /// <summary>
    /// The unit (index into the result's units) holding each token of the example. The rendered prompt must be the
    /// example's tokens, after a BOS at most: a template that changed them would score another prompt than the planted one.
    /// </summary>
    private static int[] UnitsByPosition(AttributionResult result, SyntheticExample e)
    {
        int offset = result.PromptTokens - e.Tokens.Length;
        if (offset is not (0 or 1))
            throw new InvalidOperationException($"the rendered prompt has {result.PromptTokens} tokens for {e.Tokens.Length} task tokens");
        var byPosition = Enumerable.Repeat(-1, e.Tokens.Length).ToArray();
        for (int u = 0; u < result.Units.Count; u++)
            foreach (int p in result.Units[u].TokenPositions)
                if (p - offset is int at && at >= 0 && at < byPosition.Length) byPosition[at] = u;
        var vocab = SyntheticVocabulary.Instance;
        foreach (int p in e.Planted)
            if (byPosition[p] < 0 || result.Units[byPosition[p]].Text.Trim() != vocab.Word(e.Tokens[p]))
                throw new InvalidOperationException($"planted word '{vocab.Word(e.Tokens[p])}' at {p} is not a unit of the rendered prompt");
        return byPosition;
    }
}
