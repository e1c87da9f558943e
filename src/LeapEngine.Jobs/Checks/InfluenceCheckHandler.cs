using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Attribution;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Checks;

/// <summary>
/// Runs the attribution engine's system-prompt influence on each case and compares the figures
/// with the allowed ranges. Progress counts cases (the message carries the current case's
/// forward passes); cancellation stops within one evaluation batch of the current case.
/// </summary>
public sealed class InfluenceCheckHandler : IJobHandler<InfluenceCheckRequest>
{
    public const int MaxCases = 50;
    public const string LogProbDropFigure = "log_prob_drop";
    public const string AttributionShareFigure = "attribution_share";

    public ValueTask<JobEstimate> ValidateAsync(JobValidation validation, InfluenceCheckRequest r, CancellationToken ct)
    {
        CheckCases(r.Cases);
        if (r.Unit.Trim().Equals("spans", StringComparison.OrdinalIgnoreCase))
            throw new JobRequestException("unit", "checks take unit token, word or chunk:K (spans need per-case offsets)");
        var cases = r.Cases!;
        int longest = 0;
        long tokens = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            string at = $"cases[{i}].";
            var (plan, max) = AttributionLimits.Check(ToEngine(r, c), validation.Model, at);
            longest = Math.Max(longest, plan.PromptTokens);
            tokens += max;
        }
        return ValueTask.FromResult(new JobEstimate(longest, tokens));
    }

    public Task<JobOutput> RunAsync(JobExecution job, InfluenceCheckRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        var cases = r.Cases!;
        var results = new List<InfluenceCaseResult>();
        using var meter = ForwardTokenMeter.Attach(model, job.Usage);
        for (int i = 0; i < cases.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var c = cases[i];
            string name = string.IsNullOrWhiteSpace(c.Name) ? $"case {i + 1}" : c.Name;
            int index = i;
            var inner = new Progress(u => progress.Report(new ProgressUpdate(index, cases.Count, "cases",
                $"{name}: {u.Done}/{u.Total} {u.Unit}")));
            var attribution = AttributionEngine.Run(model, ToEngine(r, c), inner, ct);
            var influence = attribution.SystemPrompt
                ?? throw new InvalidOperationException("the engine reported no system-prompt influence for a prompt with a system segment");
            results.Add(Judge(i, name, c, influence.LogProbDrop, influence.AttributionShare, influence.LogProbWithout,
                attribution.CompletionLogProb, attribution.CompletionText));
            progress.Report(new ProgressUpdate(i + 1, cases.Count, "cases", name));
        }
        return Task.FromResult(new JobOutput(Summarise(results)));
    }

    /// <summary>One case's figures against its ranges; the same for the engine's figures and an endpoint's.</summary>
    internal static InfluenceCaseResult Judge(int index, string name, InfluenceCase c, double logProbDrop, double attributionShare,
        double logProbWithout, double completionLogProb, string completionText)
    {
        var checks = new List<InfluenceFigureCheck>();
        if (c.LogProbDrop is { } drop)
            checks.Add(new(LogProbDropFigure, logProbDrop, drop.Min, drop.Max, drop.Contains(logProbDrop)));
        if (c.AttributionShare is { } share)
            checks.Add(new(AttributionShareFigure, attributionShare, share.Min, share.Max, share.Contains(attributionShare)));
        return new InfluenceCaseResult(index, name, checks.All(x => x.Passed), logProbDrop, attributionShare,
            completionLogProb, logProbWithout, completionText, checks);
    }

    /// <summary>The check passes when every case does.</summary>
    internal static InfluenceCheckResult Summarise(List<InfluenceCaseResult> results)
    {
        int passed = results.Count(x => x.Passed);
        return new InfluenceCheckResult(passed == results.Count, passed, results.Count - passed, results);
    }

    private static AttributionRequest ToEngine(InfluenceCheckRequest r, InfluenceCase c) => new()
    {
        Segments = [new PromptSegment("system", c.System ?? ""), new PromptSegment("user", c.User ?? "")],
        Template = r.Template, Method = r.Method, Unit = r.Unit, Perturbation = r.Perturbation,
        Completion = c.Completion, MaxNewTokens = r.MaxNewTokens,
    };

    /// <summary>What every influence check asks of its cases, white-box or black-box: 1 to 50, each with a system prompt,
    /// a user prompt and at least one well-formed range.</summary>
    internal static void CheckCases(List<InfluenceCase>? cases)
    {
        if (cases is not { Count: > 0 }) throw new JobRequestException("cases", "cases is required: give 1 to 50 cases");
        if (cases.Count > MaxCases) throw new JobRequestException("cases", $"give at most {MaxCases} cases, got {cases.Count}");
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i] ?? throw new JobRequestException($"cases[{i}]", "a case is null");
            string at = $"cases[{i}].";
            if (string.IsNullOrWhiteSpace(c.System)) throw new JobRequestException(at + "system", "every case needs a non-empty system prompt");
            if (c.User is null) throw new JobRequestException(at + "user", "every case needs a user prompt");
            if (c.LogProbDrop is null && c.AttributionShare is null)
                throw new JobRequestException(at + "log_prob_drop",
                    "give the allowed range of log_prob_drop and/or attribution_share, e.g. \"log_prob_drop\": {\"max\": 2.0}");
            CheckRange(c.LogProbDrop, at + LogProbDropFigure);
            CheckRange(c.AttributionShare, at + AttributionShareFigure, share: true);
        }
    }

    /// <param name="share">The figure is a share of the attribution mass, 0 to 1: a bound outside that can never be
    /// met (or never fail), so it is a mistake in the check rather than a gate.</param>
    internal static void CheckRange(InfluenceRange? range, string field, bool share = false)
    {
        if (range is null) return;
        if (range.Min is null && range.Max is null) throw new JobRequestException(field, "give min, max or both");
        if (range.Min is { } lo && !double.IsFinite(lo) || range.Max is { } hi && !double.IsFinite(hi))
            throw new JobRequestException(field, "min and max must be finite numbers");
        if (share && (range.Min is < 0 or > 1 || range.Max is < 0 or > 1))
            throw new JobRequestException(field, $"{field[(field.LastIndexOf('.') + 1)..]} is a share of the attribution mass: " +
                                                 $"min and max must lie within 0 and 1, got min {range.Min?.ToString() ?? "none"}, max {range.Max?.ToString() ?? "none"}");
        if (range.Min > range.Max) throw new JobRequestException(field, $"min ({range.Min}) is above max ({range.Max})");
    }

    /// <summary>Synchronous progress forwarding (System.Progress would post to the thread pool and reorder reports).</summary>
    private sealed class Progress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }
}
