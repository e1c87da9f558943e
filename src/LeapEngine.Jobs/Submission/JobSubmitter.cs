using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using LeapEngine.Jobs.Telemetry;

namespace LeapEngine.Jobs.Submission;

/// <summary>Why a submission was refused; the API maps each to a status code and a problem type.</summary>
public enum SubmissionError { InvalidRequest, NotFound, ModelNotAllowed, QuotaExceeded, Saturated, IdempotencyKeyReused }

public sealed class SubmissionException(SubmissionError error, string message, string? field = null) : Exception(message)
{
    public SubmissionError Error { get; } = error;
    public string? Field { get; } = field;
}

/// <summary>
/// Validates a job request, reserves the tenant's quota, stores the job row and enqueues it,
/// in that order: nothing reaches a queue that was not validated and paid for. The row is the
/// outbox: it commits with its reservation and no queue entry, the entry is made after the
/// commit, and a row whose entry never got made (the process died, the queue was down) is
/// enqueued by the reconciler. Once the row commits the job is accepted, whatever fails next.
/// </summary>
public sealed class JobSubmitter(IServiceProvider services, LeapDbContext db, JobTypeRegistry registry, ModelPool pool, IJobScheduler scheduler,
    IOptions<ModelsOptions> models, IOptions<JobsOptions> jobs, ILogger<JobSubmitter> log)
{
    /// <param name="idempotencyKey">The client's Idempotency-Key, if any: a second submission with it returns the job the
    /// first created (the first may have been cut off before it could answer).</param>
    public async Task<JobRecord> SubmitAsync(Tenant tenant, PlanLimits plan, string type, IJobRequest request, string? idempotencyKey,
        CancellationToken ct)
    {
        var jobType = registry.Find(type) ?? throw new InvalidOperationException($"job type '{type}' is not registered");
        var cost = jobType.UsesModel ? await ValidateModelJobAsync(tenant, plan, jobType, request, ct) : await ValidateEndpointJobAsync(tenant, plan, jobType, request, ct);
        // After validation, which may normalise the request: the comparison sees what would be stored.
        if (idempotencyKey is not null && await FindByKeyAsync(tenant.Id, idempotencyKey, ct) is { } earlier)
            return SameRequest(earlier, type, jobType.RequestType, request);
        if (cost.PromptTokens > plan.MaxPromptTokens)
            throw new SubmissionException(SubmissionError.InvalidRequest,
                $"the prompt has {cost.PromptTokens} tokens; the '{tenant.Plan}' plan allows at most {plan.MaxPromptTokens}", "prompt");

        if (await db.Jobs.CountAsync(j => j.Status == JobStatus.Queued, ct) >= jobs.Value.MaxQueuedJobs)
            throw new SubmissionException(SubmissionError.Saturated, "the engine has too many queued jobs; try again shortly");

        var now = DateTime.UtcNow;
        var job = new JobRecord
        {
            Id = Guid.NewGuid(),
            TenantId = tenant.Id,
            Type = type,
            Model = cost.Model,
            Queue = JobQueues.For(plan.Priority, cost.Class),
            RequestJson = System.Text.Json.JsonSerializer.Serialize(request, jobType.RequestType, LeapJson.Options),
            CreatedAt = now,
            UpdatedAt = now,
            UsageUnit = cost.Unit,
            ReservedTokens = cost.Reserve,
            ReservedMonth = QuotaLedger.MonthOf(now),
            IdempotencyKey = idempotencyKey,
            // The submitting request's trace: the worker's run joins it, so one job is one trace across processes.
            TraceParent = System.Diagnostics.Activity.Current?.Id,
        };

        await QuotaLedger.EnsureMonthAsync(db, tenant.Id, now, ct);
        var strategy = db.Database.CreateExecutionStrategy();
        try
        {
            await strategy.ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var refusal = await QuotaLedger.ReserveAsync(db, tenant.Id, plan, cost.Unit, cost.Reserve, now, ct);
                if (refusal is { } r)
                {
                    LeapTelemetry.QuotaRejections.Add(1, new KeyValuePair<string, object?>("quota", r switch
                    {
                        QuotaRefusal.ConcurrentJobs => "concurrent_jobs", QuotaRefusal.JobsPerDay => "jobs_per_day",
                        QuotaRefusal.EndpointCallsPerMonth => "endpoint_calls", _ => "model_tokens",
                    }));
                    await tx.RollbackAsync(ct);
                    throw new SubmissionException(SubmissionError.QuotaExceeded, Explain(r, tenant.Plan, plan, cost.Reserve));
                }
                db.Jobs.Add(job);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            });
        }
        catch (DbUpdateException e) when (idempotencyKey is not null && DbErrors.IsUniqueViolation(e))
        {
            // A concurrent submission with the same key committed first (the unique index refused this
            // one, and the rollback returned its reservation): answer with that job.
            db.ChangeTracker.Clear();
            var first = await FindByKeyAsync(tenant.Id, idempotencyKey, ct) ?? throw new InvalidOperationException(
                "a job with this Idempotency-Key could neither be stored nor found");
            return SameRequest(first, type, jobType.RequestType, request);
        }
        db.ChangeTracker.Clear();

        try
        {
            var hangfireId = scheduler.Enqueue(job.Id, type, job.Queue);
            if (await JobStore.SetHangfireJobAsync(db, job.Id, hangfireId, CancellationToken.None)) job.HangfireJobId = hangfireId;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Accepted all the same: the reconciler enqueues a committed row that has no queue entry.
            log.LogWarning(e, "Could not enqueue job {JobId} now; the reconciler will", job.Id);
        }
        log.LogInformation("Queued {Type} job {JobId} for tenant {TenantId} on {Queue}, reserving {Amount} {Unit}",
            type, job.Id, tenant.Id, job.Queue, cost.Reserve, cost.Unit);
        return job;
    }

    /// <summary>What a validated job is stored as and reserves: the model column, the queue's class, the unit and amount.</summary>
    private sealed record Cost(string Model, string Class, string Unit, long Reserve, int PromptTokens);

    private async Task<Cost> ValidateModelJobAsync(Tenant tenant, PlanLimits plan, JobType jobType, IJobRequest request, CancellationToken ct)
    {
        var served = models.Value.Find(request.Model ?? "")
            ?? throw new SubmissionException(SubmissionError.InvalidRequest,
                $"model '{request.Model}' is not served here; GET /v1/models lists the ones that are", "model");
        if (!plan.AllowsModel(served.Id))
            throw new SubmissionException(SubmissionError.ModelNotAllowed,
                $"the '{tenant.Plan}' plan does not include model '{served.Id}'", "model");
        var model = await pool.ForValidationAsync(served.Id, ct);
        var estimate = await Checked(request, () => jobType.Validate!(new JobValidation(tenant.Id, model, plan, services), request, ct));
        return new Cost(served.Id, served.Class, UsageUnits.ModelTokens, estimate.MaxModelTokens, estimate.PromptTokens);
    }

    /// <summary>A black-box job: no model, the black-box queues, its call budget reserved in endpoint calls.</summary>
    private async Task<Cost> ValidateEndpointJobAsync(Tenant tenant, PlanLimits plan, JobType jobType, IJobRequest request, CancellationToken ct)
    {
        var calls = await Checked(request, () => jobType.ValidateEndpoint!(new EndpointJobValidation(tenant.Id, plan, services), request, ct));
        return new Cost(request.Model, JobQueues.BlackBoxClass, UsageUnits.EndpointCalls, calls.MaxCalls, 0);
    }

    /// <summary>The request's declared bounds, then its handler's checks; their exceptions as the submission errors the API maps.</summary>
    private static async Task<T> Checked<T>(IJobRequest request, Func<ValueTask<T>> handlerChecks)
    {
        try
        {
            JobRequestValidation.Check(request);
            return await handlerChecks();
        }
        catch (JobObjectNotFoundException e)
        {
            throw new SubmissionException(SubmissionError.NotFound, e.What);
        }
        catch (JobRequestException e)
        {
            throw new SubmissionException(SubmissionError.InvalidRequest, e.Message, e.Field);
        }
        catch (ArgumentException e)
        {
            throw new SubmissionException(SubmissionError.InvalidRequest, e.Message);
        }
    }

    /// <summary>
    /// The job an earlier submission with the same key created, if it was this very request; the
    /// key used for another request is refused, as the API refuses it while its claim lasts.
    /// </summary>
    private static JobRecord SameRequest(JobRecord earlier, string type, Type requestType, IJobRequest request) =>
        earlier.Type == type && earlier.RequestJson == System.Text.Json.JsonSerializer.Serialize(request, requestType, LeapJson.Options)
            ? earlier
            : throw new SubmissionException(SubmissionError.IdempotencyKeyReused,
                "this Idempotency-Key was used for another request in the last 24 hours");

    private Task<JobRecord?> FindByKeyAsync(Guid tenantId, string key, CancellationToken ct) =>
        db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.TenantId == tenantId && j.IdempotencyKey == key, ct);

    private static string Explain(QuotaRefusal refusal, string planName, PlanLimits plan, long reserve) => refusal switch
    {
        QuotaRefusal.ConcurrentJobs => $"the '{planName}' plan runs at most {plan.ConcurrentJobs} jobs at once; wait for one to finish",
        QuotaRefusal.JobsPerDay => $"the '{planName}' plan allows {plan.JobsPerDay} jobs per day, all used today",
        QuotaRefusal.EndpointCallsPerMonth => $"this job may make up to {reserve} endpoint calls, more than is left of the '{planName}' plan's " +
                                              $"{plan.EndpointCallsPerMonth} per month (GET /v1/usage shows what is left; a lower max_calls may fit)",
        _ => $"this job may use up to {reserve} model tokens, more than is left of the '{planName}' plan's " +
             $"{plan.ComputeTokensPerMonth} per month (GET /v1/usage shows what is left)",
    };
}
