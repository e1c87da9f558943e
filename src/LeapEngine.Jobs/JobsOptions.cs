using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Jobs;

/// <summary>How jobs are run (section Leap:Jobs).</summary>
public sealed class JobsOptions
{
    public const string Section = "Leap:Jobs";

    /// <summary>Jobs this process runs at once (Hangfire workers).</summary>
    [Range(1, 64)] public int WorkerCount { get; set; } = 2;

    /// <summary>
    /// How long a fetched job may go without its worker's heartbeat before another worker takes
    /// it. The heartbeat slides while the worker lives, so this bounds the recovery time after a
    /// crash (SIGKILL, lost machine), not the length of a job.
    /// </summary>
    [Range(1, 86_400)] public int InvisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// On SIGTERM a worker stops taking jobs and gives a running job this long to finish; past that the
    /// job is handed back to its queue at once (not counted as a failed attempt, not billed) for another
    /// worker. Zero hands back at once. The host's shutdown timeout is raised to cover it.
    /// </summary>
    [Range(0, 3600)] public double ShutdownGraceSeconds { get; set; } = 20;

    /// <summary>
    /// Model classes this process's server works for (its queues, and the only models its pool loads);
    /// empty: every served class. One worker pool per class: Leap__Jobs__Classes__0=large on GPU nodes.
    /// </summary>
    public string[] Classes { get; set; } = [];

    /// <summary>
    /// Whether this process's server also takes black-box jobs (queues of class "blackbox": they call a tenant's endpoint
    /// and load no model, so any worker can run them). On by default so that every worker shares them; turn it off on
    /// pools whose slots are too dear to spend waiting on a remote endpoint (Leap__Jobs__ServeBlackBox=false).
    /// </summary>
    public bool ServeBlackBox { get; set; } = true;

    /// <summary>
    /// How often each idle worker thread polls PostgreSQL for new jobs: the submit-to-start latency of an idle
    /// worker is at most this. Each poll is a claim attempt (an indexed UPDATE … SKIP LOCKED, about two
    /// transactions), so 0.2 s costs about 8 transactions a second per idle worker thread more than 1 s
    /// (measured in docs/performance.md). Raise it for large fleets of mostly idle workers.
    /// </summary>
    [Range(0.05, 60)] public double QueuePollIntervalSeconds { get; set; } = 0.2;

    /// <summary>
    /// Wake idle workers through PostgreSQL LISTEN/NOTIFY when a job is enqueued (Hangfire.PostgreSql's long
    /// polling). Off by default: with it on, a worker started after a job was enqueued did not take that job
    /// (seen in ScaleOutTests and WorkerKillTests with Hangfire.PostgreSql 1.21.1; see docs/production.md), and
    /// the short <see cref="QueuePollIntervalSeconds"/> already starts a job within a fraction of a second.
    /// </summary>
    public bool QueueNotifications { get; set; }

    /// <summary>Starts of one job (first run, retries, restarts after a crash) before it is failed for good.</summary>
    [Range(1, 20)] public int MaxAttempts { get; set; } = 4;

    /// <summary>
    /// Pause before the runner retries a job that threw (attempt 1's failure waits the first
    /// value, and so on; the last value repeats); empty means 2, 10, 30 (an array default would
    /// be appended to by configuration, not replaced). The runner owns retrying: it schedules the
    /// retry on the job's own queue itself.
    /// </summary>
    public double[] RetryDelaysSeconds { get; set; } = [];

    /// <summary>The retry delay after attempt <paramref name="attempt"/> failed.</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        double[] delays = RetryDelaysSeconds.Length > 0 ? RetryDelaysSeconds : [2, 10, 30];
        return TimeSpan.FromSeconds(Math.Max(0, delays[Math.Clamp(attempt, 1, delays.Length) - 1]));
    }

    /// <summary>How often a due delayed run (a retry) is moved to its queue.</summary>
    [Range(0.1, 60)] public double SchedulePollingIntervalSeconds { get; set; } = 2;

    /// <summary>How often the reconciler looks for jobs a crash or an outage left without an owner.</summary>
    [Range(0.1, 3600)] public double ReconcileIntervalSeconds { get; set; } = 15;

    /// <summary>A queued job whose enqueue has been pending this long is enqueued by the reconciler (the outbox).</summary>
    [Range(0.1, 3600)] public double EnqueueGraceSeconds { get; set; } = 10;

    /// <summary>A job unchanged this long has its Hangfire entry checked by the reconciler (gone or ended: re-enqueued or failed).</summary>
    [Range(0.1, 86_400)] public double OrphanCheckAfterSeconds { get; set; } = 30;

    /// <summary>A running job still going this long after a cancel request is ended as cancelled by the reconciler.</summary>
    [Range(0.1, 3600)] public double CancelGraceSeconds { get; set; } = 30;

    /// <summary>An Idempotency-Key still "being handled" after this long belongs to a request that died; a retry takes it over.</summary>
    [Range(1, 86_400)] public double IdempotencyTakeoverSeconds { get; set; } = 30;

    /// <summary>How often a running job looks for a cancel request and writes its progress.</summary>
    [Range(50, 10_000)] public int ProgressIntervalMs { get; set; } = 250;

    /// <summary>Queued jobs (all tenants) beyond which submissions get 503 with Retry-After.</summary>
    [Range(1, 10_000_000)] public int MaxQueuedJobs { get; set; } = 10_000;

    /// <summary>
    /// Pause after every progress step. Zero in production; fault drills, cancellation demos and
    /// the worker-kill test set it so a tiny model's job lasts long enough to interrupt.
    /// </summary>
    [Range(0, 10_000)] public int StepDelayMs { get; set; }
}
