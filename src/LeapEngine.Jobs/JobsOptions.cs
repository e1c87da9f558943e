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

    /// <summary>How often an idle worker polls PostgreSQL for new jobs.</summary>
    [Range(0.05, 60)] public double QueuePollIntervalSeconds { get; set; } = 1;

    /// <summary>Starts of one job (first run, retries, restarts after a crash) before it is failed for good.</summary>
    [Range(1, 20)] public int MaxAttempts { get; set; } = 4;

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
