using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Data;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>
/// Builds a dictionary from the request's texts: progress in tokens clustered (as the
/// partitioner reports it), cancellable every batch, metered in the token positions the model
/// ran (a build that saturates early is charged only for the texts it read), stored as
/// safetensors bytes plus a JSON summary in the dictionaries table.
/// </summary>
public sealed class DictionaryBuildHandler : IJobHandler<DictionaryBuildRequest>
{
    public const int MaxTexts = 5_000;
    public const int MaxTextChars = 4_000;
    public const long MaxClusteredTokens = 1_000_000;

    public ValueTask<JobEstimate> ValidateAsync(JobValidation validation, DictionaryBuildRequest r, CancellationToken ct)
    {
        var model = validation.Model;
        if (r.Texts is not { Count: > 0 }) throw new JobRequestException("texts", "texts is required: give 1 to 5000 texts to partition");
        if (r.Texts.Count > MaxTexts) throw new JobRequestException("texts", $"give at most {MaxTexts} texts, got {r.Texts.Count}");
        for (int i = 0; i < r.Texts.Count; i++)
        {
            if (r.Texts[i] is null) throw new JobRequestException($"texts[{i}]", "a text is null");
            if (r.Texts[i].Length > MaxTextChars)
                throw new JobRequestException($"texts[{i}]", $"text {i} has {r.Texts[i].Length} characters; at most {MaxTextChars} are accepted");
        }
        if (r.Texts.All(string.IsNullOrWhiteSpace)) throw new JobRequestException("texts", "every text is blank: there is nothing to partition");
        if (r.Name is { Length: > 200 }) throw new JobRequestException("name", "name may have at most 200 characters");
        if (r.CorpusDescription is { Length: > 1000 }) throw new JobRequestException("corpus_description", "corpus_description may have at most 1000 characters");
        Range(r.ContextLength, 2, model.Config.ContextLength, "context_length");
        Range(r.MaxTokens, 1, MaxClusteredTokens, "max_tokens");
        Range(r.BatchSize, 1, 64, "batch_size");
        Range(r.CalibrationBatches, 1, 64, "calibration_batches");
        Range(r.SaturationBatches, 0, 1000, "saturation_batches");
        Range(r.ExamplesPerRegion, 0, 20, "examples_per_region");
        if (r.Theta is { } theta && (!double.IsFinite(theta) || theta <= 0 || r.Metric == PartitionMetric.Cosine && theta > 2))
            throw new JobRequestException("theta", $"theta must be a positive finite distance (at most 2 for cosine), got {theta}");
        // Theta decides alone when given, so a percentile beside it would be silently ignored: refuse the pair.
        if (r.Theta is not null && r.Percentile is not null)
            throw new JobRequestException("percentile", "give percentile or theta, not both (theta is the threshold itself; percentile derives it)");
        if (r.Percentile is { } percentile && (double.IsNaN(percentile) || percentile is <= 0 or >= 100))
            throw new JobRequestException("percentile", $"percentile must lie in (0, 100), got {percentile}");
        string hook;
        try { hook = ActivationStream.ResolveHook(model.Network, r.Hook); }
        catch (ArgumentException e) { throw new JobRequestException("hook", e.Message); }
        if (hook.EndsWith("hook_pattern", StringComparison.Ordinal))
            throw new JobRequestException("hook", $"'{hook}' is an attention pattern; use a hook with one vector per token (e.g. blocks.N.hook_resid_post)");

        // The build's own batching, priced pass by pass (a padded batch runs texts x its longest text).
        int longest = r.Texts.Where(t => !string.IsNullOrWhiteSpace(t)).Max(t => Math.Min(model.Encode(t).Count, r.ContextLength));
        long tokens = ExemplarPartitioner.MaxForwardTokens(model, r.ToEngine(), r.Texts);
        return ValueTask.FromResult(new JobEstimate(longest, tokens));
    }

    public async Task<JobOutput> RunAsync(JobExecution job, DictionaryBuildRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        ExemplarDictionary dictionary;
        using (ForwardTokenMeter.Attach(model, job.Usage))
            dictionary = ExemplarPartitioner.Build(model, r.ToEngine(), r.Texts!, progress, ct);
        using (dictionary)
        {
            ct.ThrowIfCancellationRequested();
            var db = job.Services.GetRequiredService<LeapDbContext>();
            var summary = await DictionaryStore.SaveAsync(db, job.JobId, job.TenantId, r.Name, dictionary, ct);
            return new JobOutput(new DictionaryBuildResult(DictionaryStore.PublicId(job.JobId), r.Name, Results.DictionaryInfo.From(summary.Info),
                Results.DictionaryMetrics.From(summary.Metrics)));
        }
    }

    internal static void Range(long value, long min, long max, string field)
    {
        if (value < min || value > max) throw new JobRequestException(field, $"{field} must be between {min} and {max}, got {value}");
    }
}
