using LeapEngine.Core.Runtime;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Handlers;

/// <summary>A job request: every job runs on one model.</summary>
public interface IJobRequest
{
    string Model { get; set; }
}

/// <summary>
/// One job type (generation, attribution, dictionary build...). The API calls
/// <see cref="ValidateAsync"/> before anything is queued; a worker calls <see cref="RunAsync"/>
/// with the model leased from its pool. Register with
/// <c>services.AddJobHandler&lt;TRequest, THandler&gt;("type")</c>.
/// </summary>
public interface IJobHandler<TRequest> where TRequest : class, IJobRequest
{
    /// <summary>
    /// Checks the request against the model (token counts, context length, shapes, enum values)
    /// and the tenant's objects (e.g. that a dictionary it names is the tenant's own), and
    /// estimates its cost. Throws <see cref="JobRequestException"/> naming what to fix.
    /// Runs in the API process: keep it cheap (tokenise, look rows up; do not run the model).
    /// </summary>
    ValueTask<JobEstimate> ValidateAsync(JobValidation context, TRequest request, CancellationToken ct);

    /// <summary>
    /// Does the work. Report progress as the method goes, meter usage on <see cref="JobExecution.Usage"/>,
    /// stop within one step when <paramref name="ct"/> fires. Must be deterministic enough to be
    /// retried from scratch: a retry re-runs it and only one result is ever stored.
    /// </summary>
    Task<JobOutput> RunAsync(JobExecution job, TRequest request, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct);
}

/// <summary>What a handler may consult while validating a request in the API.</summary>
/// <param name="TenantId">The submitting tenant (objects a request names must be its own).</param>
/// <param name="Model">A shared instance of the requested model: tokenise and read its config, never run or hook it.</param>
/// <param name="Plan">The tenant's plan.</param>
/// <param name="Services">Request-scoped services (e.g. the database).</param>
public sealed record JobValidation(Guid TenantId, LanguageModel Model, PlanLimits Plan, IServiceProvider Services);

/// <summary>What a validated request will cost.</summary>
/// <param name="PromptTokens">Longest prompt in tokens, checked against the plan's max prompt tokens.</param>
/// <param name="MaxModelTokens">
/// Upper bound of model tokens processed (forward + backward), computed from the request: reserved at submission, and the
/// run's <see cref="UsageMeter.Limit"/> (work past it is refused, the job fails with <c>usage_limit_reached</c>).
/// </param>
public sealed record JobEstimate(int PromptTokens, long MaxModelTokens);

/// <summary>
/// What a job produced: any JSON-serialisable object, stored as snake_case JSON. A result that is a file (a dictionary)
/// is stored by its handler and served by its own resource (GET /v1/dictionaries/{id}/file), never as loose job bytes.
/// </summary>
public sealed record JobOutput(object Result);

/// <summary>The job being run, as a handler sees it.</summary>
/// <param name="reservedTokens">The job's reservation: <see cref="Usage"/> refuses work beyond it.</param>
public sealed class JobExecution(Guid jobId, Guid tenantId, int attempt, IServiceProvider services, long reservedTokens = long.MaxValue)
{
    public Guid JobId { get; } = jobId;
    public Guid TenantId { get; } = tenantId;
    /// <summary>1 on the first run, more on a retry.</summary>
    public int Attempt { get; } = attempt;
    /// <summary>Scoped services of this run (e.g. the database, to store a dictionary).</summary>
    public IServiceProvider Services { get; } = services;
    /// <summary>Model tokens processed so far, forward and backward, bounded by the reservation; charged to the tenant.</summary>
    public UsageMeter Usage { get; } = new(reservedTokens);
}

/// <summary>A request that cannot run as given; <see cref="Field"/> is the JSON path at fault.</summary>
public sealed class JobRequestException(string field, string message) : ArgumentException(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// A request names an object (a dictionary, an earlier job) that does not exist or belongs to
/// another tenant: the API answers 404, the same for both, so nothing leaks.
/// </summary>
public sealed class JobObjectNotFoundException(string what) : Exception($"{what} was not found")
{
    public string What { get; } = what;
}
