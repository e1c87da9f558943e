using LeapEngine.Core.Attribution.Methods;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Attribution;

/// <summary>
/// "Why did the model say that?": the one entry point the CLI and the job layer call.
/// Progress is reported in forward passes (evaluations done / planned).
/// </summary>
public static class AttributionEngine
{
    public static AttributionResult Run(LanguageModel model, AttributionRequest request,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prepared = request.Prepare(model);
        bool generated = prepared.Completion is null;
        var completion = prepared.Completion ?? GreedyCompletion(model, prepared.Ids, request.MaxNewTokens, ct);

        var tracker = new EvaluationProgress(progress);
        var evaluator = new PerturbationEvaluator(model.Network, prepared.Ids, completion, request.Evaluation);
        var perturber = new Perturber(model, prepared.Ids, prepared.Perturbation);
        var scorer = new PerturbationScorer(perturber, evaluator, prepared.Units, tracker, ct);

        var method = request.ParsedMethod;
        var outcome = method.Run(scorer, new MethodSettings(request.Hipe));
        var drops = outcome.Units;
        int evaluations = (int)evaluator.Evaluations;

        var units = prepared.Units.Select((u, i) => new UnitAttribution
        {
            Index = u.Index, Text = u.Text, Segment = u.Segment, Start = u.Start, Length = u.Length, TokenPositions = u.Tokens,
            Score = drops[i].Total, OutputTokenScores = drops[i].LogProb,
            ProbabilityDrop = drops[i].ProbabilityTotal, OutputTokenProbabilityDrops = drops[i].Probability,
        }).ToList();
        var system = SystemInfluence(model, request, prepared, scorer, units);
        var faithfulness = request.Faithfulness
            ? Faithfulness.Compute(scorer, units.Select(u => u.Score).ToList(), request.FaithfulnessOptions)
            : null;

        return new AttributionResult
        {
            ModelId = model.Id,
            Method = method.Name,
            Unit = prepared.Unit.ToString(),
            Perturbation = prepared.Perturbation.ToString(),
            Template = prepared.Template.Name,
            EvaluationMode = Serialization.SnakeCase.Name(request.Evaluation.Mode),
            PromptText = prepared.Rendered.Text,
            PromptTokens = prepared.Ids.Length,
            CompletionText = model.DecodeContinuation(prepared.Ids, completion),
            CompletionIds = completion,
            CompletionTokens = completion.Select(model.Tokenizer.TokenText).ToArray(),
            CompletionGenerated = generated,
            CompletionLogProb = scorer.BaseLogProb,
            CompletionTokenLogProbs = scorer.BaseLogProbs.Select(x => (double)x).ToArray(),
            Units = units,
            Segments = SegmentTotals(prepared, units),
            SystemPrompt = system,
            Evaluations = evaluations,
            TotalEvaluations = evaluator.Evaluations,
            ForwardPasses = evaluator.ForwardPasses,
            ForwardTokens = evaluator.ForwardTokens,
            Hipe = outcome.Hipe,
            HipeStages = outcome.Stages,
            HipeChunks = outcome.Chunks,
            Faithfulness = faithfulness,
        };
    }

    private static int[] GreedyCompletion(LanguageModel model, int[] prompt, int maxNewTokens, CancellationToken ct)
    {
        var ids = TextGenerator.Generate(model.Network, prompt,
            new GenerationOptions { MaxNewTokens = maxNewTokens, Temperature = 0, StopAtEos = true }, model.EosId, ct);
        if (ids.Length == 0) throw new ArgumentException("the model generated no completion (the prompt fills its context); shorten the prompt");
        return ids;
    }

    private static IReadOnlyList<SegmentTotal> SegmentTotals(PreparedPrompt prepared, List<UnitAttribution> units)
    {
        double mass = units.Sum(u => Math.Abs(u.Score));
        return prepared.Segments.Select(s =>
        {
            var own = units.Where(u => u.Segment == s.Name).ToList();
            double abs = own.Sum(u => Math.Abs(u.Score));
            return new SegmentTotal
            {
                Segment = s.Name, Text = s.Text, Units = own.Count, Score = own.Sum(u => u.Score),
                AbsoluteMass = abs, Share = mass > 0 ? abs / mass : 0,
            };
        }).ToList();
    }

    /// <summary>
    /// The system segment's pull on the completion: the prompt is rendered again without the
    /// system turn (its template markers go too) and the completion scored after it.
    /// </summary>
    private static SystemPromptInfluence? SystemInfluence(LanguageModel model, AttributionRequest request, PreparedPrompt prepared,
        PerturbationScorer scorer, List<UnitAttribution> units)
    {
        var system = prepared.Segments.FirstOrDefault(s => s.Name.Equals("system", StringComparison.OrdinalIgnoreCase));
        if (system is null) return null;
        var rest = prepared.Segments.Where(s => s != system).ToList();
        int[] ids;
        if (rest.Count == 0)
            ids = [model.BosId ?? model.EosId ?? 0];
        else
        {
            var rendered = prepared.Template.Render(rest);
            ids = model.Encode(rendered.Text, rendered.StartsWithBos ? false : request.AddBos).Ids.ToArray();
            if (ids.Length == 0) ids = [model.BosId ?? model.EosId ?? 0];
        }
        int shared = 0;
        while (shared < ids.Length && shared < prepared.Ids.Length && ids[shared] == prepared.Ids[shared]) shared++;
        var without = scorer.Evaluate([new PerturbedPrompt(ids, null, shared)], "system prompt removed")[0];
        double logProbWithout = without.Sum(x => (double)x);
        double mass = units.Sum(u => Math.Abs(u.Score));
        return new SystemPromptInfluence
        {
            LogProbDrop = scorer.BaseLogProb - logProbWithout,
            LogProbWithout = logProbWithout,
            AttributionShare = mass > 0 ? units.Where(u => u.Segment == system.Name).Sum(u => Math.Abs(u.Score)) / mass : 0,
        };
    }
}
