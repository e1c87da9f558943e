using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>Assign: each token's nearest region (and optionally the readouts). Progress in texts; cancellable between texts.</summary>
public sealed class DictionaryAssignHandler : IJobHandler<DictionaryAssignRequest>
{
    public const int MaxTexts = 32;
    public const long MaxReadoutValues = 1_000_000;

    public async ValueTask<JobEstimate> ValidateAsync(JobValidation validation, DictionaryAssignRequest r, CancellationToken ct)
    {
        var summary = await DictionaryJobSupport.FindAsync(validation, r, ct);
        var (longest, tokens) = DictionaryJobSupport.CheckTexts(validation.Model, r.Texts, "texts", MaxTexts, summary.Info.ContextLength);
        // A blank text has no tokens, and reading out an empty [0, regions] block failed inside the engine once the job ran.
        int blank = r.Readout is null ? -1 : r.Texts!.FindIndex(string.IsNullOrWhiteSpace);
        if (blank >= 0) throw new JobRequestException($"texts[{blank}]", "a blank text has no tokens to read out; remove it or omit readout");
        if (r.Readout is not null && tokens * summary.Regions.Count > MaxReadoutValues)
            throw new JobRequestException("readout",
                $"readouts would be {tokens} tokens x {summary.Regions.Count} regions; at most {MaxReadoutValues} values: send fewer or shorter texts");
        // Each text is read alone (no padding); readouts read it a second time.
        long perRead = r.Texts!.Sum(t => ExemplarDictionary.ForwardTokens(validation.Model, summary.Info, [t], PartitionPositions.AllButBos));
        return new JobEstimate(longest, r.Readout is null ? perRead : 2 * perRead);
    }

    public async Task<JobOutput> RunAsync(JobExecution job, DictionaryAssignRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        using var dictionary = await DictionaryJobSupport.LoadAsync(job, r.DictionaryId, ct);
        using var meter = ForwardTokenMeter.Attach(model, job.Usage);
        var texts = new List<DictionaryAssignText>();
        foreach (var text in r.Texts!)
        {
            ct.ThrowIfCancellationRequested();
            var assignment = dictionary.Assign(model, text);
            float[][]? readouts = null;
            if (r.Readout is { } kind)
            {
                using var values = dictionary.Readouts(model, text, kind);                // [tokens, regions]
                var flat = values.data<float>().ToArray();
                int regions = dictionary.RegionCount;
                readouts = Enumerable.Range(0, flat.Length / Math.Max(1, regions)).Select(t => flat.AsSpan(t * regions, regions).ToArray()).ToArray();
            }
            texts.Add(new DictionaryAssignText(text, assignment.Tokens.Select(Results.TokenAssignment.From).ToList(), readouts));
            progress.Report(new ProgressUpdate(texts.Count, r.Texts!.Count, "texts"));
        }
        return new JobOutput(new DictionaryAssignResult(r.DictionaryId!, texts));
    }
}

/// <summary>OOD scores per text (and the AUROC against out-of-set texts when given). Progress in texts, as the dictionary reports it.</summary>
public sealed class DictionaryScoreHandler : IJobHandler<DictionaryScoreRequest>
{
    public const int MaxTexts = 1_000;

    public async ValueTask<JobEstimate> ValidateAsync(JobValidation validation, DictionaryScoreRequest r, CancellationToken ct)
    {
        var summary = await DictionaryJobSupport.FindAsync(validation, r, ct);
        int context = summary.Info.ContextLength;
        var (longest, tokens) = DictionaryJobSupport.CheckTexts(validation.Model, r.Texts, "texts", MaxTexts, context);
        var (longestOut, tokensOut) = DictionaryJobSupport.CheckTexts(validation.Model, r.OutOfSetTexts, "out_of_set_texts", MaxTexts, context,
            required: false);
        if (r.OutOfSetTexts is not null && (tokens == 0 || tokensOut == 0))
            throw new JobRequestException(tokens == 0 ? "texts" : "out_of_set_texts", "for an AUROC both sets need at least one non-blank text");
        // Both sets are read in the dictionary's padded batches.
        long passes = ExemplarDictionary.ForwardTokens(validation.Model, summary.Info, r.Texts!, summary.Info.Positions)
                      + (r.OutOfSetTexts is null ? 0 : ExemplarDictionary.ForwardTokens(validation.Model, summary.Info, r.OutOfSetTexts, summary.Info.Positions));
        return new JobEstimate(Math.Max(longest, longestOut), passes);
    }

    public async Task<JobOutput> RunAsync(JobExecution job, DictionaryScoreRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        using var dictionary = await DictionaryJobSupport.LoadAsync(job, r.DictionaryId, ct);
        using var meter = ForwardTokenMeter.Attach(model, job.Usage);
        var scores = dictionary.Score(model, r.Texts!, progress, ct);
        if (r.OutOfSetTexts is null) return new JobOutput(new DictionaryScoreResult(r.DictionaryId!, Scores(scores), null, null));

        var outs = dictionary.Score(model, r.OutOfSetTexts, progress, ct);
        var ood = ExemplarDictionary.Compare(scores, outs);   // from the scores already computed: no second forward
        return new JobOutput(new DictionaryScoreResult(r.DictionaryId!, Scores(scores), Scores(outs), Results.OodReport.From(ood)));
    }

    private static List<Results.TextScore> Scores(IEnumerable<TextScore> scores) => scores.Select(Results.TextScore.From).ToList();
}
