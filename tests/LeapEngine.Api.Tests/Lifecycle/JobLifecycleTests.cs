using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Execution;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests.Lifecycle;

/// <summary>
/// The job lifecycle invariant: every accepted job reaches a final state, whatever fails and
/// whenever, and its reservation and slot are released exactly once. Each test drives the real
/// runner, queues and reconciler into one fault.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class JobLifecycleTests(ApiFixture api)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_that_throws_once_is_retried_on_its_own_queue_and_succeeds()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var id = await drill.SubmitAsync(tenant, FaultDrillHandler.Type, new FaultDrillRequest { FailAttempts = 1, UseTokens = 7 });

        // The worker reads only the p*_small queues: a retry on any other queue would never finish.
        var job = await drill.WaitFinalAsync(id, Bound);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(2, job.Attempt);
        // ...and it was the runner's own delayed retry that ran it, not the reconciler rescuing a stranded entry.
        var details = drill.Factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi().JobDetails(job.HangfireJobId);
        Assert.Equal(job.Queue, details.Job.Queue);
        Assert.Contains(details.History, h => h.StateName == ScheduledState.StateName);
        var (usage, active) = await drill.LedgerAsync(tenant);
        Assert.Equal(7, usage.UsedTokens);   // the attempt that produced the result
        Assert.Equal(0, usage.ReservedTokens);
        Assert.Equal(1, usage.JobsSucceeded);
        Assert.Equal(0, active);
        Ended("worker throws once, then succeeds");
    }

    [Fact]
    public async Task A_job_that_always_throws_fails_after_its_attempts_and_releases_its_reservation_and_slot()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var id = await drill.SubmitAsync(tenant, FaultDrillHandler.Type, new FaultDrillRequest { FailAttempts = 1000, UseTokens = 5 });

        var job = await drill.WaitFinalAsync(id, Bound);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("internal_error", job.ErrorCode);
        Assert.Equal(4, job.Attempt);   // Leap:Jobs:MaxAttempts
        var (usage, active) = await drill.LedgerAsync(tenant);
        Assert.Equal(0, usage.ReservedTokens);
        Assert.Equal(1, usage.JobsFailed);
        Assert.Equal(5, usage.UsedTokens);   // a failed job is charged the work its last attempt did
        Assert.Equal(0, active);
        Ended("worker always throws");
    }

    [Fact]
    public async Task A_job_whose_enqueue_failed_after_its_row_committed_is_enqueued_by_the_reconciler()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        FlakyScheduler.FailNext = 1;
        var id = await drill.SubmitAsync(tenant, FaultDrillHandler.Type, new FaultDrillRequest());
        var queued = await drill.JobAsync(id);
        Assert.Equal(JobStatus.Queued, queued.Status);
        Assert.Null(queued.HangfireJobId);   // accepted, in the outbox

        var job = await drill.WaitFinalAsync(id, Bound);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(1, job.Attempt);
        Ended("queue unreachable after the row committed");
    }

    [Fact]
    public async Task A_job_stranded_on_a_queue_no_worker_reads_is_moved_back_to_its_own_and_finishes()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        FlakyScheduler.FailNext = 1;
        var id = await drill.SubmitAsync(tenant, FaultDrillHandler.Type, new FaultDrillRequest());
        // What Hangfire's automatic retry used to do: the job's entry sits on "default", which no worker reads.
        var client = drill.Factory.Services.GetRequiredService<IBackgroundJobClient>();
        var stranded = client.Create(Job.FromExpression<JobRunner>(r => r.RunAsync(id, FaultDrillHandler.Type, null, CancellationToken.None)),
            new EnqueuedState("default"));
        await drill.DbAsync(db => db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.HangfireJobId, stranded)));

        var job = await drill.WaitFinalAsync(id, Bound);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.NotEqual(stranded, job.HangfireJobId);
        Ended("entry stranded on a queue no worker reads");
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Cancel_ends_a_running_job_whose_worker_does_not_stop_and_charges_what_it_reported()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var id = await drill.SubmitAsync(tenant, FaultDrillHandler.Type, new FaultDrillRequest { StallSeconds = 8, UseTokens = 9 });
        await WaitUntilAsync(async () => (await drill.JobAsync(id)) is { Status: JobStatus.Running, UsedTokens: 9 });

        var cancel = await tenant.Http.PostAsync($"/v1/jobs/job_{id:N}/cancel", null);
        Assert.Equal(System.Net.HttpStatusCode.OK, cancel.StatusCode);
        var job = await drill.WaitFinalAsync(id, TimeSpan.FromSeconds(6));   // grace 1 s + a reconcile tick, not the 8 s stall
        Assert.Equal(JobStatus.Cancelled, job.Status);
        var (usage, active) = await drill.LedgerAsync(tenant);
        Assert.Equal(9, usage.UsedTokens);
        Assert.Equal(0, usage.ReservedTokens);
        Assert.Equal(0, active);

        // The stuck worker wakes up later: its outcome is dropped, the job stays cancelled and settled once.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(JobStatus.Cancelled, (await drill.JobAsync(id)).Status);
        Assert.Equal(9, (await drill.LedgerAsync(tenant)).Usage.UsedTokens);
        Ended("cancel while the worker is stuck");
    }

    [Fact]
    public async Task The_database_stopped_while_a_job_finishes_still_ends_the_job_once()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        Task? restart = null;
        FaultDrillHandler.Hooks["stop-db"] = async () =>
        {
            await drill.Server.StopServerAsync();
            restart = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(4));
                await drill.Server.StartServerAsync();
            });
        };
        var id = await drill.SubmitAsync(tenant, FaultDrillHandler.Type, new FaultDrillRequest { Hook = "stop-db", UseTokens = 3 });

        var job = await drill.WaitFinalAsync(id, Bound);
        Assert.NotNull(restart);
        await restart!;
        Assert.True(job.Status is JobStatus.Succeeded, $"ended {job.Status}: {job.ErrorMessage}");
        var (usage, active) = await drill.LedgerAsync(tenant);
        Assert.Equal(1, usage.JobsSucceeded + usage.JobsFailed);   // settled exactly once
        Assert.Equal(0, usage.ReservedTokens);
        Assert.Equal(0, active);
        Ended("database stopped during the finish");
    }

    /// <summary>One fault scenario for the campaign's table: it got this far, so its job ended and settled once.</summary>
    private static void Ended(string scenario) => CampaignLog.Record($"fault: {scenario}", 1, 0);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(100);
        }
    }
}
