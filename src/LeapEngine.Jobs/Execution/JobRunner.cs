using Hangfire;
using Hangfire.Server;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Scheduling;
using LeapEngine.Jobs.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.Execution;

/// <summary>
/// The Hangfire job behind every job type. It takes only the job row's id: the request, the
/// tenant and the progress live in the row, so a retry (or a restart after a worker died)
/// starts from the same facts, and the row's attempt counter lets only the latest run store
/// its result.
/// </summary>
public sealed class JobRunner(IServiceScopeFactory scopes, JobTypeRegistry registry, ModelPool pool, IJobScheduler scheduler,
    IOptions<JobsOptions> options, ILogger<JobRunner> log)
{
    private readonly JobsOptions _options = options.Value;
    /// <summary>The run being measured (a runner is transient: Hangfire resolves one per run), told the status it stores.</summary>
    private RunMeasurement? _run;

    /// <remarks>
    /// The runner owns retrying, so Hangfire's own retry is off: a job that throws is put back on
    /// its own queue after <see cref="JobsOptions.RetryDelaysSeconds"/> (never on a queue no
    /// worker reads), and fails for good once <see cref="JobsOptions.MaxAttempts"/> starts are
    /// used. A bad request fails at once. A worker that dies is not a retry: Hangfire hands its
    /// job to another worker after the invisibility timeout, and the same attempt counter bounds
    /// those restarts. Whatever escapes this method (the database down while the job is put
    /// back) leaves the row to the reconciler, which ends or re-enqueues it.
    /// <paramref name="type"/> is there only to name the job on the dashboard.
    /// </remarks>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("{1} job_{0:N}")]
    public async Task RunAsync(Guid jobId, string type, PerformContext? context, CancellationToken shutdown)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        var job = await JobStore.StartAttemptAsync(db, jobId, context?.BackgroundJob.Id, DateTime.UtcNow, shutdown);
        if (job is null)
        {
            log.LogInformation("Job {JobId} is already final, gone or owned by another queue entry; nothing to run", jobId);
            return;
        }
        using var logScope = log.BeginScope(new Dictionary<string, object> { ["job_id"] = jobId, ["tenant_id"] = job.TenantId });
        // Attempts a stopping worker handed back are the engine's doing and do not count.
        if (job.CountedAttempts > _options.MaxAttempts)
        {
            await FinishAsync(db, job, Failed("too_many_attempts",
                $"the job was started {job.CountedAttempts - 1} times without finishing (its workers kept dying)", 0));
            return;
        }
        if (job.CancelRequested)
        {
            await FinishAsync(db, job, Cancelled(job.UsedTokens ?? 0));
            return;
        }
        var jobType = registry.Find(job.Type);
        if (jobType is null)
        {
            await FinishAsync(db, job, Failed("unknown_job_type", $"this worker has no handler for job type '{job.Type}'", 0));
            return;
        }

        // The meter knows the reservation: work past it is refused before it runs (UsageLimitReachedException).
        var execution = new JobExecution(job.Id, job.TenantId, job.Attempt, scope.ServiceProvider, job.ReservedTokens);
        // One trace per job: this run continues the submitting request's trace (its logs carry the trace id).
        using var activity = LeapTelemetry.StartRun(job.Type, job.Id, job.Attempt, job.TraceParent);
        using var measured = _run = new RunMeasurement(job.Type, execution.Usage);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        await using var monitor = new JobMonitor(scopes, job, execution.Usage, _options, cancel, log);
        try
        {
            var request = jobType.Deserialize(job.RequestJson);
            // A black-box job calls the tenant's endpoint: no model is loaded for it.
            using var lease = jobType.UsesModel ? await pool.LeaseAsync(request.Model, cancel.Token) : null;
            log.LogInformation("Running {Type} job {JobId} (attempt {Attempt}) on {Model}", job.Type, jobId, job.Attempt, request.Model);
            var output = await Task.Run(() =>
            {
                // Tensors a handler leaves undisposed on this thread die with the run, not with the process.
                // Methods are CPU/GPU-bound, so blocking this pool thread for the run costs nothing.
                using var tensors = TorchSharp.torch.NewDisposeScope();
                return jobType.Run(scope.ServiceProvider, execution, request, lease?.Model, monitor, cancel.Token).GetAwaiter().GetResult();
            }, cancel.Token);
            await monitor.StopAndFlushAsync();
            await FinishAsync(db, job, new JobStore.Outcome(JobStatus.Succeeded, execution.Usage.Tokens,
                System.Text.Json.JsonSerializer.Serialize(output.Result, LeapJson.Options)));
        }
        catch (OperationCanceledException) when (monitor.CancelRequested)
        {
            await monitor.StopAsync();
            // Work done is charged, cancelled or not: cancelling late must not be free compute.
            await FinishAsync(db, job, Cancelled(execution.Usage.Tokens));
        }
        catch (OperationCanceledException) when (monitor.LostOwnership)
        {
            log.LogWarning("Job {JobId} attempt {Attempt} was taken over or ended elsewhere; dropping this run", jobId, job.Attempt);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The worker is stopping and the grace period (Leap:Jobs:ShutdownGraceSeconds) ran out: the row goes
            // back to queued, this attempt neither counted nor billed; rethrowing lets Hangfire put the same entry
            // straight back on the job's own queue, where the row still names it, so another worker claims it at once.
            await monitor.StopAsync();
            bool handedBack = await DatabaseRetry.RunAsync(() => JobStore.HandBackAsync(db, job.Id, job.Attempt,
                "handed back by a stopping worker; waiting for another", DateTime.UtcNow, CancellationToken.None), log);
            log.LogWarning(handedBack ? "Job {JobId} attempt {Attempt} handed back: the worker is stopping"
                : "Job {JobId} attempt {Attempt} interrupted by shutdown after it was ended or taken over elsewhere", jobId, job.Attempt);
            throw;
        }
        catch (ServedModelUnavailableException e)
        {
            // The model's files are not on this worker: a retry in seconds finds the same, and the message says what to provision.
            await FinishAsync(db, job, Failed("model_unavailable", e.Message, 0));
        }
        catch (UsageLimitReachedException e)
        {
            // The run reached its reservation (an estimate fell short): a retry would stop at the same place.
            await monitor.StopAsync();
            await FinishAsync(db, job, Failed(UsageLimitReachedException.ErrorCode, e.Message, execution.Usage.Tokens));
        }
        catch (JobFailedException e)
        {
            // The handler named why it cannot succeed (an endpoint that refused or is down past its retries, a spent
            // call budget): a retry in seconds would meet the same, and the client sees the reason, not a 500.
            await monitor.StopAsync();
            await FinishAsync(db, job, Failed(e.Code, e.Message, execution.Usage.Tokens));
        }
        catch (ArgumentException e)
        {
            // Input the API could not rule out (or a model missing on this worker): retrying will not help.
            await monitor.StopAsync();
            await FinishAsync(db, job, Failed("invalid_request", e.Message, execution.Usage.Tokens));
        }
        catch (Exception e)
        {
            await monitor.StopAsync();
            await RetryOrFailAsync(db, job, e, execution.Usage.Tokens);
        }
    }

    /// <summary>
    /// The signature before the dashboard label: Hangfire entries queued by an older version still
    /// resolve after an upgrade and run the same way.
    /// </summary>
    [Obsolete("entries created before the type label; new code enqueues RunAsync(jobId, type, ...)")]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(Guid jobId, PerformContext? context, CancellationToken shutdown) => RunAsync(jobId, "job", context, shutdown);

    /// <summary>Puts a job that threw back on its own queue after a delay, or fails it when its attempts are used up.</summary>
    private async Task RetryOrFailAsync(LeapDbContext db, JobRecord job, Exception error, long usedTokens)
    {
        if (job.CountedAttempts >= _options.MaxAttempts)
        {
            log.LogError(error, "Job {JobId} failed on its last attempt ({Attempt})", job.Id, job.Attempt);
            await FinishAsync(db, job, Failed("internal_error",
                $"the job failed {job.Attempt} times; the last error was {error.GetType().Name}", usedTokens));
            return;
        }
        var delay = _options.RetryDelay(job.Attempt);
        log.LogWarning(error, "Job {JobId} attempt {Attempt} failed; retrying in {Delay}", job.Id, job.Attempt, delay);
        var message = $"attempt {job.Attempt} failed ({error.GetType().Name}); retrying";
        // Both writes are retried through an outage; what still fails leaves the row queued without an
        // owner, which the reconciler enqueues (the outbox), or running under an ended Hangfire job,
        // which it re-enqueues: the job is never stranded.
        if (!await DatabaseRetry.RunAsync(() => JobStore.RequeueAsync(db, job.Id, job.Attempt, message, usedTokens, DateTime.UtcNow, CancellationToken.None), log))
            return;   // cancelled or taken over meanwhile: whoever did that ends it
        var hangfireId = scheduler.Enqueue(job.Id, job.Type, job.Queue, delay);
        await DatabaseRetry.RunAsync(() => JobStore.SetHangfireJobAsync(db, job.Id, hangfireId, CancellationToken.None), log);
    }

    private static JobStore.Outcome Failed(string code, string message, long used) =>
        new(JobStatus.Failed, used, ErrorCode: code, ErrorMessage: message);

    private static JobStore.Outcome Cancelled(long used) =>
        new(JobStatus.Cancelled, used, ErrorCode: "cancelled", ErrorMessage: "cancelled at the client's request");

    private async Task FinishAsync(LeapDbContext db, JobRecord job, JobStore.Outcome outcome)
    {
        // Finishing must not be cut short by a shutdown that arrives a moment after the work is done,
        // and rides out a short database outage rather than losing the work.
        bool finished = await DatabaseRetry.RunAsync(
            () => JobStore.FinishAsync(db, job, job.Attempt, outcome, DateTime.UtcNow, CancellationToken.None), log);
        if (finished && _run is not null) _run.Outcome = outcome.Status;
        if (finished) log.LogInformation("Job {JobId} {Status} (used {Amount} {Unit})", job.Id, outcome.Status, outcome.UsedTokens, job.UsageUnit);
        else log.LogWarning("Job {JobId} attempt {Attempt} no longer owned the job; its {Status} outcome was dropped",
            job.Id, job.Attempt, outcome.Status);
    }
}
