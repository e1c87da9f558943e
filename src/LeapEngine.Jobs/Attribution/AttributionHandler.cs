using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Attribution.Results;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Attribution;

/// <summary>
/// Attribution (ItP or HiPe) as a job: progress in forward passes as the engine reports them,
/// cancellable between evaluation batches, metered in the token positions the model ran, and
/// the engine's <see cref="AttributionResult"/> stored as the API's <see cref="AttributionJobResult"/> (the heatmap data).
/// </summary>
public sealed class AttributionHandler : IJobHandler<AttributionJobRequest>
{
    public ValueTask<JobEstimate> ValidateAsync(JobValidation validation, AttributionJobRequest r, CancellationToken ct)
    {
        // The endpoint-only fields mean the caller meant an endpoint attribution and forgot which endpoint.
        foreach (var (field, given) in new[] { ("messages", r.Messages is not null), ("scoring", r.Scoring is not null),
                     ("noise_samples", r.NoiseSamples is not null), ("max_calls", r.MaxCalls is not null) })
            if (given) throw new JobRequestException(field, $"{field} is for endpoint attributions: give endpoint (one of your endpoints' ids) " +
                                                            "instead of model, or leave it out and give text (and system) or segments");
        var (plan, maxTokens) = AttributionLimits.Check(r.ToEngine(), validation.Model);
        return ValueTask.FromResult(new JobEstimate(plan.PromptTokens, maxTokens));
    }

    public Task<JobOutput> RunAsync(JobExecution job, AttributionJobRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        using var meter = ForwardTokenMeter.Attach(model, job.Usage);
        var result = AttributionEngine.Run(model, r.ToEngine(), progress, ct);
        return Task.FromResult(new JobOutput(AttributionJobResult.From(result)));
    }
}
