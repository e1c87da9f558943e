using Hangfire;
using Hangfire.Server;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Models;
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
public sealed class JobRunner(IServiceScopeFactory scopes, JobTypeRegistry registry, ModelPool pool,
    IOptions<JobsOptions> options, ILogger<JobRunner> log)
{
    private readonly JobsOptions _options = options.Value;

    /// <remarks>
    /// Retries are for faults outside the request (database blip, out of memory): three more
    /// tries with growing delays. A bad request fails at once (no retry), and the last retry
    /// marks the job failed itself, so Hangfire never needs to delete or re-fail it. A worker
    /// that dies is not a Hangfire retry: the job reappears after the invisibility timeout, and
    /// <see cref="JobsOptions.MaxAttempts"/> bounds those restarts.
    /// </remarks>
    [AutomaticRetry(Attempts = RetryAttempts, DelaysInSeconds = [2, 10, 30], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(Guid jobId, PerformContext? context, CancellationToken shutdown)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        var job = await JobStore.StartAttemptAsync(db, jobId, DateTime.UtcNow, shutdown);
        if (job is null)
        {
            log.LogInformation("Job {JobId} is already final or gone; nothing to run", jobId);
            return;
        }
        using var logScope = log.BeginScope(new Dictionary<string, object> { ["job_id"] = jobId, ["tenant_id"] = job.TenantId });
        if (job.Attempt > _options.MaxAttempts)
        {
            await FinishAsync(db, job, Failed("too_many_attempts",
                $"the job was started {job.Attempt - 1} times without finishing (its workers kept dying)", 0));
            return;
        }
        if (job.CancelRequested)
        {
            await FinishAsync(db, job, new JobStore.Outcome(JobStatus.Cancelled, 0, ErrorCode: "cancelled",
                ErrorMessage: "cancelled at the client's request"));
            return;
        }
        var type = registry.Find(job.Type);
        if (type is null)
        {
            await FinishAsync(db, job, Failed("unknown_job_type", $"this worker has no handler for job type '{job.Type}'", 0));
            return;
        }

        var execution = new JobExecution(job.Id, job.TenantId, job.Attempt, scope.ServiceProvider);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        await using var monitor = new JobMonitor(scopes, job, _options, cancel, log);
        try
        {
            var request = type.Deserialize(job.RequestJson);
            using var lease = await pool.LeaseAsync(request.Model, cancel.Token);
            log.LogInformation("Running {Type} job {JobId} (attempt {Attempt}) on {Model}", job.Type, jobId, job.Attempt, request.Model);
            var output = await Task.Run(() =>
            {
                // Tensors a handler leaves undisposed on this thread die with the run, not with the process.
                // Methods are CPU/GPU-bound, so blocking this pool thread for the run costs nothing.
                using var tensors = TorchSharp.torch.NewDisposeScope();
                return type.Run(scope.ServiceProvider, execution, request, lease.Model, monitor, cancel.Token).GetAwaiter().GetResult();
            }, cancel.Token);
            await monitor.StopAndFlushAsync();
            await FinishAsync(db, job, new JobStore.Outcome(JobStatus.Succeeded, execution.Usage.Tokens,
                System.Text.Json.JsonSerializer.Serialize(output.Result, LeapJson.Options)));
        }
        catch (OperationCanceledException) when (monitor.CancelRequested)
        {
            await monitor.StopAsync();
            await FinishAsync(db, job, new JobStore.Outcome(JobStatus.Cancelled, 0, ErrorCode: "cancelled",
                ErrorMessage: "cancelled at the client's request"));
        }
        catch (OperationCanceledException) when (monitor.LostOwnership)
        {
            log.LogWarning("Job {JobId} attempt {Attempt} was taken over by a later attempt; dropping this run", jobId, job.Attempt);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The server is stopping: Hangfire puts the job back, and the next attempt starts over.
            throw;
        }
        catch (ArgumentException e)
        {
            // Input the API could not rule out (or a model missing on this worker): retrying will not help.
            await FinishAsync(db, job, Failed("invalid_request", e.Message, 0));
        }
        catch (Exception e) when (RetryCount(context) >= RetryAttempts)
        {
            log.LogError(e, "Job {JobId} failed on its last retry", jobId);
            await FinishAsync(db, job, Failed("internal_error", $"the job failed after {RetryAttempts + 1} tries: {e.GetType().Name}", 0));
        }
    }

    private const int RetryAttempts = 3;

    private static int RetryCount(PerformContext? context) =>
        context?.GetJobParameter<int>("RetryCount") ?? RetryAttempts;

    private static JobStore.Outcome Failed(string code, string message, long used) =>
        new(JobStatus.Failed, used, ErrorCode: code, ErrorMessage: message);

    private async Task FinishAsync(LeapDbContext db, JobRecord job, JobStore.Outcome outcome)
    {
        // Finishing must not be cut short by a shutdown that arrives a moment after the work is done.
        bool finished = await JobStore.FinishAsync(db, job, job.Attempt, outcome, DateTime.UtcNow, CancellationToken.None);
        if (finished) log.LogInformation("Job {JobId} {Status} (used {Tokens} model tokens)", job.Id, outcome.Status, outcome.UsedTokens);
        else log.LogWarning("Job {JobId} attempt {Attempt} no longer owned the job; its {Status} outcome was dropped",
            job.Id, job.Attempt, outcome.Status);
    }
}
