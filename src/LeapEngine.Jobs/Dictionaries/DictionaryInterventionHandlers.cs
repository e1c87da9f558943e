using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>Checks shared by steer and ablate, and their cost bound.</summary>
internal static class InterventionLimits
{
    public const int MaxNewTokens = 256;

    /// <summary>
    /// The prompt and target against the model's context. The run generates greedily twice
    /// (prompt + new tokens each), reads the next-token distribution twice (prompt) and scores
    /// the target twice (prompt + target): that bounds the token positions reserved.
    /// </summary>
    public static JobEstimate Check(LanguageModel model, DictionaryInterventionRequest r)
    {
        if (r.Prompt is null) throw new JobRequestException("prompt", "prompt is required");
        if (r.Prompt.Length > DictionaryJobSupport.MaxTextChars)
            throw new JobRequestException("prompt", $"prompt has {r.Prompt.Length} characters; at most {DictionaryJobSupport.MaxTextChars} are accepted");
        if (r.Target is { Length: > DictionaryJobSupport.MaxTextChars })
            throw new JobRequestException("target", $"target has {r.Target.Length} characters; at most {DictionaryJobSupport.MaxTextChars} are accepted");
        if (r.Target is { Length: 0 }) throw new JobRequestException("target", "target is empty; leave it out or give a continuation");
        DictionaryBuildHandler.Range(r.MaxNewTokens, 0, MaxNewTokens, "max_new_tokens");
        int prompt = model.PromptIds(r.Prompt).Length;
        // The run scores the target as it follows the prompt (prompt + target encoded together, less the prompt's
        // tokens) or, when that changes the prompt's tokens, encoded alone: the larger of the two bounds either.
        int target = r.Target is null ? 0
            : Math.Max(model.Encode(r.Prompt + r.Target).Count - prompt, model.Encode(r.Target, addBos: false).Count);
        int context = model.Config.ContextLength;
        if (prompt + r.MaxNewTokens > context)
            throw new JobRequestException(prompt >= context ? "prompt" : "max_new_tokens",
                $"the prompt has {prompt} tokens and max_new_tokens is {r.MaxNewTokens}; together they must fit the model's context of {context}");
        if (prompt + target > context)
            throw new JobRequestException("target", $"the prompt ({prompt} tokens) and the target (~{target}) must fit the model's context of {context}");
        return new JobEstimate(prompt, 2L * (prompt + r.MaxNewTokens) + 2L * prompt + 2L * (prompt + target));
    }

    public static void CheckRegion(int region, DictionarySummary summary, string field)
    {
        int count = summary.Regions.Count;
        if (region < 0 || region >= count)
            throw new JobRequestException(field, $"region {region} does not exist; this dictionary has regions 0..{count - 1}");
    }

    public static async Task<JobOutput> RunAsync(JobExecution job, DictionaryInterventionRequest r, LanguageModel model,
        IProgress<ProgressUpdate> progress, CancellationToken ct, Func<ExemplarDictionary, InterventionReport> intervene)
    {
        using var dictionary = await DictionaryJobSupport.LoadAsync(job, r.DictionaryId, ct);
        progress.Report(new ProgressUpdate(0, 1, "interventions"));
        InterventionReport report;
        using (ForwardTokenMeter.Attach(model, job.Usage)) report = intervene(dictionary);
        progress.Report(new ProgressUpdate(1, 1, "interventions"));
        return new JobOutput(new DictionaryInterventionResult(r.DictionaryId!, Results.InterventionReport.From(report)));
    }
}

/// <summary>Steer: add alpha times a region's direction at every position; report the text and target log-prob before and after.</summary>
public sealed class DictionarySteerHandler : IJobHandler<DictionarySteerRequest>
{
    public async ValueTask<JobEstimate> ValidateAsync(JobValidation validation, DictionarySteerRequest r, CancellationToken ct)
    {
        var summary = await DictionaryJobSupport.FindAsync(validation, r, ct);
        if (r.Region is not { } region) throw new JobRequestException("region", "region is required (GET /v1/dictionaries/{id}/regions lists them)");
        InterventionLimits.CheckRegion(region, summary, "region");
        if (r.Alpha is { } alpha && (!double.IsFinite(alpha) || Math.Abs(alpha) > 1e6))
            throw new JobRequestException("alpha", $"alpha must be a finite number of magnitude at most 1e6, got {alpha}");
        return InterventionLimits.Check(validation.Model, r);
    }

    public Task<JobOutput> RunAsync(JobExecution job, DictionarySteerRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct) =>
        InterventionLimits.RunAsync(job, r, model, progress, ct,
            d => d.Steer(model, r.Prompt!, r.Region!.Value, r.Alpha, r.Target, r.MaxNewTokens, ct));
}

/// <summary>Ablate: project regions' directions out at every position; report the text and target log-prob before and after.</summary>
public sealed class DictionaryAblateHandler : IJobHandler<DictionaryAblateRequest>
{
    public const int MaxRegions = 64;

    public async ValueTask<JobEstimate> ValidateAsync(JobValidation validation, DictionaryAblateRequest r, CancellationToken ct)
    {
        var summary = await DictionaryJobSupport.FindAsync(validation, r, ct);
        if (r.Regions is not { Count: > 0 }) throw new JobRequestException("regions", "regions is required: give 1 to 64 region ids");
        if (r.Regions.Count > MaxRegions) throw new JobRequestException("regions", $"give at most {MaxRegions} regions, got {r.Regions.Count}");
        for (int i = 0; i < r.Regions.Count; i++) InterventionLimits.CheckRegion(r.Regions[i], summary, $"regions[{i}]");
        return InterventionLimits.Check(validation.Model, r);
    }

    public Task<JobOutput> RunAsync(JobExecution job, DictionaryAblateRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct) =>
        InterventionLimits.RunAsync(job, r, model, progress, ct,
            d => d.Ablate(model, r.Prompt!, r.Regions!, r.Target, r.MaxNewTokens, ct));
}

/// <summary>Match: one-to-one assignment of this dictionary's regions to another's of the same tenant (no forward pass: 0 model tokens).</summary>
public sealed class DictionaryMatchHandler : IJobHandler<DictionaryMatchRequest>
{
    public async ValueTask<JobEstimate> ValidateAsync(JobValidation validation, DictionaryMatchRequest r, CancellationToken ct)
    {
        var summary = await DictionaryJobSupport.FindAsync(validation, r, ct);
        if (string.IsNullOrWhiteSpace(r.OtherDictionaryId))
            throw new JobRequestException("other_dictionary_id", "other_dictionary_id is required: the dictionary to match against (dict_...)");
        var other = await DictionaryJobSupport.FindAsync(validation, r.OtherDictionaryId, ct);
        if (other.Info.Width != summary.Info.Width)
            throw new JobRequestException("other_dictionary_id",
                $"cannot match a width-{summary.Info.Width} dictionary with a width-{other.Info.Width} one; match dictionaries of the same width");
        if (double.IsNaN(r.Threshold) || r.Threshold <= -1 || r.Threshold > 1)
            throw new JobRequestException("threshold", $"threshold must lie in (-1, 1], got {r.Threshold}");
        return new JobEstimate(0, 0);
    }

    public async Task<JobOutput> RunAsync(JobExecution job, DictionaryMatchRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        using var a = await DictionaryJobSupport.LoadAsync(job, r.DictionaryId, ct);
        using var b = await DictionaryJobSupport.LoadAsync(job, r.OtherDictionaryId, ct);
        progress.Report(new ProgressUpdate(0, 1, "matches"));
        var match = DictionaryMatcher.Match(a, b, r.Threshold);
        progress.Report(new ProgressUpdate(1, 1, "matches"));
        return new JobOutput(new DictionaryMatchResult(r.DictionaryId!, r.OtherDictionaryId!, Results.DictionaryMatch.From(match)));
    }
}
