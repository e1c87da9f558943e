using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Checks;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.BlackBox;

/// <summary>
/// The system-prompt influence check against an endpoint: each case's system influence from a black-box attribution of
/// [system, user] (log_prob_drop: the completion's score with the system message left out; attribution_share: the
/// system units' share of the attribution mass), compared with its ranges. The result has the white-box check's shape.
/// Metered in endpoint calls, progress in calls per case.
/// </summary>
public sealed class BlackBoxInfluenceCheckHandler : IEndpointJobHandler<BlackBoxInfluenceCheckRequest>
{
    public async ValueTask<CallEstimate> ValidateAsync(EndpointJobValidation validation, BlackBoxInfluenceCheckRequest r, CancellationToken ct)
    {
        InfluenceCheckHandler.CheckCases(r.Cases);
        if (r.Unit.Trim().Equals("spans", StringComparison.OrdinalIgnoreCase))
            throw new JobRequestException("unit", "checks take unit word, sentence, message or endpoint_token (spans need per-case offsets)");
        var endpoint = await BlackBoxJobSupport.FindAsync(validation.Services, validation.TenantId, r.Endpoint, ct);
        var capabilities = endpoint.Capabilities ?? BlackBoxJobSupport.Unprobed;
        long planned = 0, budget = 0;
        var cases = r.Cases!;
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            BlackBoxPlan plan;
            try { plan = BlackBoxAttribution.Plan(r.ToEngine(c), capabilities); }
            catch (ArgumentException e) { throw new JobRequestException($"cases[{i}]", e.Message); }
            planned += plan.PlannedCalls;
            budget += plan.CallBudget;
        }
        long probe = endpoint.Capabilities is null ? EndpointProbe.MaxCalls : 0;
        return BlackBoxJobSupport.Budget(planned + probe, budget + probe, r.MaxCalls, validation.Plan);
    }

    public async Task<JobOutput> RunAsync(JobExecution job, BlackBoxInfluenceCheckRequest r, IProgress<ProgressUpdate> progress, CancellationToken ct)
    {
        var endpoint = await BlackBoxJobSupport.FindForRunAsync(job, r.Endpoint, ct);
        var client = BlackBoxJobSupport.Client(job, endpoint);
        return await BlackBoxJobSupport.CallingAsync(async () =>
        {
            var (capabilities, _) = await BlackBoxJobSupport.CapabilitiesAsync(job, client, endpoint, progress, ct);
            var cases = r.Cases!;
            var results = new List<InfluenceCaseResult>();
            for (int i = 0; i < cases.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var c = cases[i];
                string name = string.IsNullOrWhiteSpace(c.Name) ? $"case {i + 1}" : c.Name;
                string at = $"{name} ({i + 1}/{cases.Count})";
                // Progress stays in calls (the job's unit); the message says which case they are for.
                var inner = new CaseProgress(u => progress.Report(u with { Message = $"{at}: {u.Message}" }));
                var attribution = await BlackBoxAttribution.RunAsync(client, capabilities, r.ToEngine(c), inner, ct);
                var influence = attribution.SystemPrompt
                    ?? throw new InvalidOperationException("black-box attribution reported no system influence for messages with a system message");
                results.Add(InfluenceCheckHandler.Judge(i, name, c, influence.LogProbDrop, influence.AttributionShare, influence.LogProbWithout,
                    attribution.CompletionLogProb, attribution.CompletionText));
            }
            return new JobOutput(InfluenceCheckHandler.Summarise(results));
        });
    }

    /// <summary>Synchronous progress forwarding (System.Progress would post to the thread pool and reorder reports).</summary>
    private sealed class CaseProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }
}
