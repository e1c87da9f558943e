using LeapEngine.Core.Runtime;
using LeapEngine.Data.Plans;

namespace LeapEngine.Jobs.Handlers;

/// <summary>
/// A black-box job's request: it runs against a tenant's registered endpoint (POST /v1/endpoints), not a served model,
/// so it loads no model, goes to the <see cref="Scheduling.JobQueues.BlackBoxClass"/> queues and is metered in endpoint
/// calls.
/// </summary>
public interface IEndpointJobRequest : IJobRequest
{
    /// <summary>The tenant's endpoint id.</summary>
    string Endpoint { get; }
    /// <summary>The job's call budget (retries and the probe included); null: the plan's estimate with a retry margin.</summary>
    int? MaxCalls { get; set; }
}

/// <summary>
/// A route's request that may name an endpoint instead of a model (POST /v1/attributions with <c>endpoint</c>): the API
/// submits <see cref="ForEndpoint"/> instead, as the black-box job type, when it does.
/// </summary>
public interface IEndpointVariant
{
    /// <summary>Whether the caller named an endpoint (then it must not also name a model).</summary>
    bool NamesEndpoint { get; }
    /// <summary>The black-box request this one stands for; throws <see cref="JobRequestException"/> for fields it cannot take.</summary>
    IEndpointJobRequest ForEndpoint();
}

/// <summary>
/// A black-box job type. The API calls <see cref="ValidateAsync"/> before anything is queued (it may look the endpoint
/// up, never call it); a worker calls <see cref="RunAsync"/> without a model. Register with
/// <c>services.AddEndpointJobHandler&lt;TRequest, THandler&gt;("type")</c>.
/// </summary>
public interface IEndpointJobHandler<TRequest> where TRequest : class, IEndpointJobRequest
{
    /// <summary>Checks the request and says how many calls it plans and may make. Throws <see cref="JobRequestException"/>,
    /// or <see cref="JobObjectNotFoundException"/> when the endpoint is not the tenant's.</summary>
    ValueTask<CallEstimate> ValidateAsync(EndpointJobValidation context, TRequest request, CancellationToken ct);

    /// <summary>Does the work, counting every call on <see cref="JobExecution.Usage"/> as it goes out (its limit is the
    /// reservation, in calls); progress in calls; stops before its next call once <paramref name="ct"/> fires.</summary>
    Task<JobOutput> RunAsync(JobExecution job, TRequest request, IProgress<ProgressUpdate> progress, CancellationToken ct);
}

/// <summary>What a black-box handler may consult while validating a request in the API.</summary>
public sealed record EndpointJobValidation(Guid TenantId, PlanLimits Plan, IServiceProvider Services);

/// <param name="PlannedCalls">Calls the work needs when nothing is retried (the probe included when it must run).</param>
/// <param name="MaxCalls">The job's call budget: reserved at submission, the run's limit, settled to the calls made.</param>
public sealed record CallEstimate(long PlannedCalls, long MaxCalls);

/// <summary>
/// A job that cannot succeed for a reason its handler can name (an endpoint that refused, a spent call budget): the
/// runner fails it at once with <see cref="Code"/> and the message, without retrying, and charges what it used.
/// </summary>
public sealed class JobFailedException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
