using LeapEngine.Api.Auth;
using LeapEngine.Api.Capacity;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Hosting;
using LeapEngine.Api.Streaming;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>Jobs of the caller's tenant: read, list, long-poll, follow as server-sent events, cancel.</summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/v1/jobs").WithTags("Jobs");
        jobs.MapGet("/", ListAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithName("ListJobs")
            .WithSummary("List jobs, newest first (cursor pagination: limit, after; filters: status, type)")
            .Produces<ListView<JobView>>();
        jobs.MapGet("/{id}", GetAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithName("GetJob")
            .WithSummary("Get a job; ?wait=SECONDS blocks until it is finished or the wait is over (a held connection: 429 beyond the plan's limit)")
            .Produces<JobView>().ProducesProblem(404).ProducesProblem(429);
        jobs.MapGet("/{id}/events", EventsAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithName("JobEvents")
            .WithSummary("Server-sent events: 'progress' on every change, then one 'done' with the final job object " +
                         "(or 'reconnect' after the maximum duration, 'revoked' when the key is revoked; 429 beyond the plan's held connections)")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(404).ProducesProblem(429);
        jobs.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(LeapClaims.WritePolicy).WithName("CancelJob")
            .WithSummary("Cancel a job: a queued job is cancelled at once, a running one stops within seconds").Produces<JobView>();
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, LeapDbContext db, int? limit, string? after, string? status,
        string? type)
    {
        int take = limit ?? 20;
        if (take is < 1 or > 100) return Problems.Validation("limit must be between 1 and 100", "limit");
        if (status is not null && !JobStatus.All.Contains(status))
            return Problems.Validation($"status must be one of {string.Join(", ", JobStatus.All)}", "status");
        var tenantId = context.User.TenantOf();
        var query = db.Jobs.AsNoTracking().Where(j => j.TenantId == tenantId);
        if (status is not null) query = query.Where(j => j.Status == status);
        if (type is not null) query = query.Where(j => j.Type == type);

        int skip = 0;
        if (after is not null)
        {
            var cursorId = PublicIds.Parse(after, "job");
            var cursor = cursorId is null ? null : await db.Jobs.AsNoTracking()
                .Where(j => j.Id == cursorId && j.TenantId == tenantId).Select(j => new { j.CreatedAt }).SingleOrDefaultAsync();
            if (cursor is null) return Problems.Validation("after must be the id of one of your jobs", "after");
            // Jobs created in the same tick as the cursor are ordered by id; skip up to and including the cursor among them.
            query = query.Where(j => j.CreatedAt <= cursor.CreatedAt);
            var ties = await query.Where(j => j.CreatedAt == cursor.CreatedAt)
                .OrderByDescending(j => j.Id).Select(j => j.Id).ToListAsync();
            skip = ties.IndexOf(cursorId!.Value) + 1;
        }
        var page = await query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .Skip(skip).Take(take + 1).ToListAsync();
        bool more = page.Count > take;
        var data = page.Take(take).Select(j => JobView.From(j)).ToList();
        return TypedResults.Ok(new ListView<JobView>("list", data, more, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id));
    }

    private static async Task<IResult> GetAsync(HttpContext context, LeapDbContext db, IOptions<ApiOptions> options, QueueReaders readers,
        string id, double? wait)
    {
        if (wait is < 0 || (wait is { } w && (double.IsNaN(w) || w > options.Value.MaxWaitSeconds)))
            return Problems.Validation($"wait must be between 0 and {options.Value.MaxWaitSeconds} seconds", "wait");
        var job = await FindAsync(context, db, id);
        if (job is null) return Problems.NotFound($"job '{id}'");
        // Only a wait that will block holds a connection (and counts against the tenant's limit).
        if (wait is > 0 && !JobStatus.IsFinal(job.Status))
        {
            var (held, refused) = await HeldJob.OpenAsync(context, db, job);
            if (refused is not null) return refused;
            using (held)
            {
                job = await held!.WaitFinalAsync(TimeSpan.FromSeconds(wait.Value), context.RequestAborted);
                if (job is null) return Problems.Unauthorized("the API key was revoked while this request waited");
            }
        }
        return TypedResults.Ok(JobView.From(job, await QueuePositionAsync(db, job),
            job.Status == JobStatus.Queued ? readers.HasLiveReader(job.Queue) : null));
    }

    private static async Task<IResult> CancelAsync(HttpContext context, LeapDbContext db, string id)
    {
        var job = await FindAsync(context, db, id);
        if (job is null) return Problems.NotFound($"job '{id}'");
        if (JobStatus.IsFinal(job.Status)) return Problems.Conflict($"the job already finished ({job.Status})");
        // Queued: nobody is running it, so cancel it here and release its quota (charging what a failed attempt recorded,
        // if it waits for a retry); running: ask its worker to stop.
        if (!await JobStore.FinishAsync(db, job, null, new JobStore.Outcome(JobStatus.Cancelled, job.UsedTokens ?? 0, ErrorCode: "cancelled",
                ErrorMessage: "cancelled at the client's request"), DateTime.UtcNow, CancellationToken.None))
            // A worker that does not stop within Leap:Jobs:CancelGraceSeconds (dead, stuck) is overruled by the reconciler.
            // Queued too: the runner may have put it back for a retry meanwhile, and the next start honours the flag.
            await db.Jobs.Where(j => j.Id == job.Id && (j.Status == JobStatus.Running || j.Status == JobStatus.Queued) && !j.CancelRequested)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true).SetProperty(j => j.CancelRequestedAt, DateTime.UtcNow));
        job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id);
        return TypedResults.Ok(JobView.From(job));
    }

    private static async Task EventsAsync(HttpContext context, LeapDbContext db, string id)
    {
        var job = await FindAsync(context, db, id);
        if (job is null) await Problems.WriteAsync(context, Problems.NotFound($"job '{id}'"));
        else await JobEventStream.RunAsync(context, db, job);
    }

    /// <summary>The caller's job by public id; another tenant's job is indistinguishable from a missing one.</summary>
    private static async Task<JobRecord?> FindAsync(HttpContext context, LeapDbContext db, string id)
    {
        var jobId = PublicIds.Parse(id, "job");
        if (jobId is null) return null;
        var tenantId = context.User.TenantOf();
        return await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId && j.TenantId == tenantId, context.RequestAborted);
    }

    /// <summary>
    /// 1-based place among the caller's own queued jobs on the same queue, oldest first: what the
    /// tenant can act on, and nothing about other tenants' queue depth (docs/api.md, "Follow it").
    /// </summary>
    private static async Task<int?> QueuePositionAsync(LeapDbContext db, JobRecord job) =>
        job.Status != JobStatus.Queued ? null
            : await db.Jobs.CountAsync(j => j.TenantId == job.TenantId && j.Queue == job.Queue && j.Status == JobStatus.Queued
                                            && (j.CreatedAt < job.CreatedAt || (j.CreatedAt == job.CreatedAt && j.Id.CompareTo(job.Id) < 0))) + 1;
}
