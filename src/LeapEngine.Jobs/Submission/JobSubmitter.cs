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
        var served = models.Value.Find(request.Model ?? "")
            ?? throw new SubmissionException(SubmissionError.InvalidRequest,
                $"model '{request.Model}' is not served here; GET /v1/models lists the ones that are", "model");
        if (!plan.AllowsModel(served.Id))
            throw new SubmissionException(SubmissionError.ModelNotAllowed,
                $"the '{tenant.Plan}' plan does not include model '{served.Id}'", "model");

        var model = await pool.ForValidationAsync(served.Id, ct);
        JobEstimate estimate;
        try
        {
            JobRequestValidation.Check(request);   // the request's declared bounds first, then its handler's checks
            estimate = await jobType.Validate(new JobValidation(tenant.Id, model, plan, services), request, ct);
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
        // After validation, which may normalise the request: the comparison sees what would be stored.
        if (idempotencyKey is not null && await FindByKeyAsync(tenant.Id, idempotencyKey, ct) is { } earlier)
            return SameRequest(earlier, type, jobType.RequestType, request);
        if (estimate.PromptTokens > plan.MaxPromptTokens)
            throw new SubmissionException(SubmissionError.InvalidRequest,
                $"the prompt has {estimate.PromptTokens} tokens; the '{tenant.Plan}' plan allows at most {plan.MaxPromptTokens}", "prompt");

        if (await db.Jobs.CountAsync(j => j.Status == JobStatus.Queued, ct) >= jobs.Value.MaxQueuedJobs)
            throw new SubmissionException(SubmissionError.Saturated, "the engine has too many queued jobs; try again shortly");

        var now = DateTime.UtcNow;
        var job = new JobRecord
        {
            Id = Guid.NewGuid(),
            TenantId = tenant.Id,
            Type = type,
            Model = served.Id,
            Queue = JobQueues.For(plan.Priority, served.Class),
            RequestJson = System.Text.Json.JsonSerializer.Serialize(request, jobType.RequestType, LeapJson.Options),
            CreatedAt = now,
            UpdatedAt = now,
            ReservedTokens = estimate.MaxModelTokens,
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
                var refusal = await QuotaLedger.ReserveAsync(db, tenant.Id, plan, estimate.MaxModelTokens, now, ct);
                if (refusal is { } r)
                {
                    LeapTelemetry.QuotaRejections.Add(1, new KeyValuePair<string, object?>("quota", r switch
                    {
                        QuotaRefusal.ConcurrentJobs => "concurrent_jobs", QuotaRefusal.JobsPerDay => "jobs_per_day", _ => "model_tokens",
                    }));
                    await tx.RollbackAsync(ct);
                    throw new SubmissionException(SubmissionError.QuotaExceeded, Explain(r, tenant.Plan, plan, estimate));
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
        log.LogInformation("Queued {Type} job {JobId} for tenant {TenantId} on {Queue}, reserving {Tokens} model tokens",
            type, job.Id, tenant.Id, job.Queue, estimate.MaxModelTokens);
        return job;
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

    private static string Explain(QuotaRefusal refusal, string planName, PlanLimits plan, JobEstimate estimate) => refusal switch
    {
        QuotaRefusal.ConcurrentJobs => $"the '{planName}' plan runs at most {plan.ConcurrentJobs} jobs at once; wait for one to finish",
        QuotaRefusal.JobsPerDay => $"the '{planName}' plan allows {plan.JobsPerDay} jobs per day, all used today",
        _ => $"this job may use up to {estimate.MaxModelTokens} model tokens, more than is left of the '{planName}' plan's " +
             $"{plan.ComputeTokensPerMonth} per month (GET /v1/usage shows what is left)",
    };
}
