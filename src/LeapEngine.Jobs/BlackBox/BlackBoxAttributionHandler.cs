using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Attribution;
using LeapEngine.Jobs.BlackBox.Contracts;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.BlackBox;

/// <summary>
/// Black-box attribution as a job: Core's <see cref="BlackBoxAttribution"/> against the tenant's endpoint, metered in
/// the endpoint calls it makes (the probe's too, when the endpoint was never probed), progress in calls, cancelled
/// before its next call. The result is the API's <see cref="BlackBoxAttributionJobResult"/>.
/// </summary>
public sealed class BlackBoxAttributionHandler : IEndpointJobHandler<BlackBoxAttributionJobRequest>
{
    public async ValueTask<CallEstimate> ValidateAsync(EndpointJobValidation validation, BlackBoxAttributionJobRequest r, CancellationToken ct)
    {
        if (r.Completion?.Length > AttributionLimits.MaxCompletionChars)
            throw new JobRequestException("completion", $"completion has {r.Completion.Length} characters; at most {AttributionLimits.MaxCompletionChars}");
        if (r.Spans?.Count > AttributionLimits.MaxSpans)
            throw new JobRequestException("spans", $"give at most {AttributionLimits.MaxSpans} spans, got {r.Spans.Count}");
        var endpoint = await BlackBoxJobSupport.FindAsync(validation.Services, validation.TenantId, r.Endpoint, ct);
        var plan = BlackBoxAttribution.Plan(r.ToEngine(), endpoint.Capabilities ?? BlackBoxJobSupport.Unprobed);
        long probe = endpoint.Capabilities is null ? EndpointProbe.MaxCalls : 0;
        return BlackBoxJobSupport.Budget(plan.PlannedCalls + probe, plan.CallBudget + probe, r.MaxCalls, validation.Plan);
    }

    public async Task<JobOutput> RunAsync(JobExecution job, BlackBoxAttributionJobRequest r, IProgress<ProgressUpdate> progress, CancellationToken ct)
    {
        var endpoint = await BlackBoxJobSupport.FindForRunAsync(job, r.Endpoint, ct);
        var client = BlackBoxJobSupport.Client(job, endpoint);
        return await BlackBoxJobSupport.CallingAsync(async () =>
        {
            var (capabilities, probeCalls) = await BlackBoxJobSupport.CapabilitiesAsync(job, client, endpoint, progress, ct);
            var result = await BlackBoxAttribution.RunAsync(client, capabilities, r.ToEngine(), progress, ct);
            return new JobOutput(BlackBoxAttributionJobResult.From(result, endpoint.Id, probeCalls, client.Budget.Limit));
        });
    }
}
