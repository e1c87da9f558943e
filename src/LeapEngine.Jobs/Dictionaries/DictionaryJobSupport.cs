using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Data;
using LeapEngine.Jobs.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>What every job on a stored dictionary checks and loads the same way.</summary>
internal static class DictionaryJobSupport
{
    public const int MaxTextChars = 4_000;

    /// <summary>The named dictionary's summary: 404 when it is missing or another tenant's, 400 when the model is not its own.</summary>
    public static async Task<DictionarySummary> FindAsync(JobValidation validation, DictionaryJobRequest r, CancellationToken ct)
    {
        var summary = await FindAsync(validation, r.DictionaryId, ct);
        if (!string.Equals(summary.Info.ModelId, validation.Model.Id, StringComparison.Ordinal))
            throw new JobRequestException("model",
                $"dictionary '{r.DictionaryId}' was built on model '{summary.Info.ModelId}'; give \"model\": \"{summary.Info.ModelId}\"");
        return summary;
    }

    public static async Task<DictionarySummary> FindAsync(JobValidation validation, string? publicId, CancellationToken ct)
    {
        var db = validation.Services.GetRequiredService<LeapDbContext>();
        return (await DictionaryStore.FindAsync(db, validation.TenantId, publicId, ct)).Summary;
    }

    public static Task<ExemplarDictionary> LoadAsync(JobExecution job, string? publicId, CancellationToken ct) =>
        DictionaryStore.LoadAsync(job.Services.GetRequiredService<LeapDbContext>(), job.TenantId, publicId, ct);

    /// <summary>Checks a list of texts and returns the token positions they will run (each cut to the dictionary's context).</summary>
    public static (int Longest, long Tokens) CheckTexts(LanguageModel model, List<string>? texts, string field, int max, int context,
        bool required = true)
    {
        if (texts is null && !required) return (0, 0);
        if (texts is not { Count: > 0 }) throw new JobRequestException(field, $"{field} is required: give 1 to {max} texts");
        if (texts.Count > max) throw new JobRequestException(field, $"give at most {max} {field}, got {texts.Count}");
        int longest = 0;
        long tokens = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null) throw new JobRequestException($"{field}[{i}]", "a text is null");
            if (texts[i].Length > MaxTextChars)
                throw new JobRequestException($"{field}[{i}]", $"text {i} has {texts[i].Length} characters; at most {MaxTextChars} are accepted");
            if (string.IsNullOrWhiteSpace(texts[i])) continue;
            int n = Math.Min(model.Encode(texts[i]).Count, context);
            longest = Math.Max(longest, n);
            tokens += n;
        }
        return (longest, tokens);
    }
}
