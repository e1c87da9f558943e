using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.Runtime;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Endpoints;
using LeapEngine.Jobs.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.BlackBox;

/// <summary>What every black-box job does the same way: find the tenant's endpoint, size the call budget, build the
/// metered client, probe an endpoint never probed, and turn endpoint failures into job failures that say what to fix.</summary>
internal static class BlackBoxJobSupport
{
    /// <summary>The tenant's endpoint; another tenant's or an unknown id is "not found", the same for both.</summary>
    public static async Task<TenantEndpoint> FindAsync(IServiceProvider services, Guid tenantId, string endpointId, CancellationToken ct) =>
        await services.GetRequiredService<ITenantEndpoints>().FindAsync(tenantId, endpointId.Trim(), ct)
        ?? throw new JobObjectNotFoundException($"endpoint '{endpointId}'");

    /// <summary>The endpoint at run time: one deleted since the job was submitted fails the job (retrying cannot bring it back).</summary>
    public static async Task<TenantEndpoint> FindForRunAsync(JobExecution job, string endpointId, CancellationToken ct) =>
        await job.Services.GetRequiredService<ITenantEndpoints>().FindAsync(job.TenantId, endpointId.Trim(), ct)
        ?? throw new JobFailedException("endpoint_not_found", $"endpoint '{endpointId}' was not found: it was deleted after the job was submitted");

    /// <summary>
    /// What an endpoint never probed is planned against: everything offered, so the plan is the largest any probe could
    /// lead to (auto then plans teacher_forced, whose establishing step takes the most calls).
    /// </summary>
    public static EndpointCapabilities Unprobed { get; } = new()
    {
        ChatLogprobs = true, TopLogprobs = 20, CompletionsEcho = true, PromptLogprobs = true, Tokenize = true,
        DeterministicAtTemperatureZero = null, Notes = [], Calls = 0,
    };

    /// <summary>
    /// The job's call budget (= its reservation): the caller's max_calls, else the planned calls with a retry margin;
    /// never above the plan's MaxCallsPerJob. Planned work that the plan cannot hold is refused here, not midway.
    /// </summary>
    public static CallEstimate Budget(long planned, long defaultBudget, int? maxCalls, PlanLimits plan)
    {
        if (planned > plan.MaxCallsPerJob)
            throw new JobRequestException("max_calls", $"this job needs about {planned} endpoint calls; the plan allows at most " +
                $"{plan.MaxCallsPerJob} per job: use coarser units (sentence, message), method hipe, fewer noise samples or shorter messages");
        if (maxCalls is { } asked && asked > plan.MaxCallsPerJob)
            throw new JobRequestException("max_calls", $"max_calls is at most {plan.MaxCallsPerJob} on this plan, got {asked}");
        return new CallEstimate(planned, maxCalls ?? Math.Min(defaultBudget, plan.MaxCallsPerJob));
    }

    /// <summary>A client whose every call is counted on the job's meter as it goes out; the budget is the reservation.</summary>
    public static EndpointClient Client(JobExecution job, TenantEndpoint endpoint) =>
        job.Services.GetRequiredService<EndpointCalls>().Client(endpoint, new CallBudget(job.Usage.Limit, () => job.Usage.Add(1)),
            job.Services.GetRequiredService<IOptions<OutboundOptions>>().Value.ClientOptions());

    /// <summary>
    /// The endpoint's stored capabilities, or a probe now (its calls are the job's), written back to the endpoint so the
    /// next job finds it probed (<see cref="ITenantEndpoints.StoreProbeAsync"/>: first write wins).
    /// </summary>
    public static async Task<(EndpointCapabilities Capabilities, long ProbeCalls)> CapabilitiesAsync(JobExecution job, EndpointClient client,
        TenantEndpoint endpoint, IProgress<ProgressUpdate> progress, CancellationToken ct)
    {
        if (endpoint.Capabilities is { } known) return (known, 0);
        progress.Report(new ProgressUpdate(0, EndpointProbe.MaxCalls, "calls", "probing the endpoint (it was never probed)"));
        var probed = await EndpointProbe.RunAsync(client, ct);
        // Stored even if the job is cancelled from here on: the calls were made and billed, their answer is still true.
        await job.Services.GetRequiredService<ITenantEndpoints>().StoreProbeAsync(job.TenantId, endpoint, probed, CancellationToken.None);
        return (probed, probed.Calls);
    }

    /// <summary>Runs <paramref name="work"/>, turning an endpoint's failure into a job failure with its code and message.</summary>
    public static async Task<T> CallingAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (EndpointException e)
        {
            throw new JobFailedException(e.Code, e.Message, e);
        }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.OfType<EndpointException>().FirstOrDefault() is { } first)
        {
            throw new JobFailedException(first.Code, first.Message, first);
        }
    }
}
