namespace LeapEngine.Data.Entities;

/// <summary>
/// One unit of long work (an attribution, a dictionary build, a generation...). The Hangfire
/// job only carries this row's id; everything else (request, progress, result) lives here so
/// that a retry on another worker starts from the same facts and stores exactly one result.
/// </summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    /// <summary>Registered job type, e.g. "generation", "attribution".</summary>
    public required string Type { get; set; }
    public string Status { get; set; } = JobStatus.Queued;
    public required string Model { get; set; }
    /// <summary>Hangfire queue it was put on (priority and model class).</summary>
    public required string Queue { get; set; }
    /// <summary>The validated request as JSON (snake_case, as the client sent it after normalisation).</summary>
    public required string RequestJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public long ProgressDone { get; set; }
    public long ProgressTotal { get; set; }
    public string? ProgressUnit { get; set; }
    public string? ProgressMessage { get; set; }

    /// <summary>
    /// What the job is metered in (<see cref="UsageUnits"/>): model tokens for jobs that run a served model, endpoint calls
    /// for black-box jobs. <see cref="ReservedTokens"/> and <see cref="UsedTokens"/> count in this unit, and the job
    /// settles to the ledger column of the same unit (<see cref="UsageMonth"/>).
    /// </summary>
    public string UsageUnit { get; set; } = UsageUnits.ModelTokens;
    /// <summary>Upper bound reserved at submission, in <see cref="UsageUnit"/>, on <see cref="ReservedMonth"/>'s ledger.</summary>
    public long ReservedTokens { get; set; }
    public required string ReservedMonth { get; set; }
    /// <summary>Used so far, in <see cref="UsageUnit"/> (the name predates black-box jobs, which count calls here).</summary>
    public long? UsedTokens { get; set; }

    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ResultJson { get; set; }
    public byte[]? ResultBytes { get; set; }

    /// <summary>Incremented each time a worker starts the job; only the latest attempt may finish it.</summary>
    public int Attempt { get; set; }
    /// <summary>
    /// Attempts a stopping worker handed back unfinished (graceful shutdown: a deploy, a scale-down).
    /// They are the engine's doing, so they do not count against Leap:Jobs:MaxAttempts.
    /// </summary>
    public int HandedBack { get; set; }
    /// <summary>W3C traceparent of the request that submitted the job: every run of it continues that trace.</summary>
    public string? TraceParent { get; set; }
    /// <summary>Attempts that count against Leap:Jobs:MaxAttempts: starts that failed or whose worker died.</summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped] public int CountedAttempts => Attempt - HandedBack;
    /// <summary>Set by POST /cancel on a running job; the worker notices and stops.</summary>
    public bool CancelRequested { get; set; }
    /// <summary>When the cancel was asked for: a job whose worker does not stop within the grace period is ended by the reconciler.</summary>
    public DateTime? CancelRequestedAt { get; set; }
    /// <summary>
    /// The Hangfire job that owns this row's next run. Null while a (re-)enqueue is pending: the
    /// outbox state the reconciler drains. A run whose Hangfire id is not this one is a stale
    /// duplicate and does nothing.
    /// </summary>
    public string? HangfireJobId { get; set; }
    /// <summary>
    /// The Idempotency-Key the job was created with (unique per tenant), so a client's retry after
    /// a request was cut off finds the job its first try created instead of making a second.
    /// </summary>
    public string? IdempotencyKey { get; set; }
}

/// <summary>What a job is metered in, as stored in <see cref="JobRecord.UsageUnit"/> and shown to clients.</summary>
public static class UsageUnits
{
    /// <summary>Token positions a served model processed, forward and backward.</summary>
    public const string ModelTokens = "model_tokens";
    /// <summary>HTTP calls to a tenant's endpoint, retries included (black-box jobs run no model here).</summary>
    public const string EndpointCalls = "endpoint_calls";
}

/// <summary>Job status values as stored and as shown to clients.</summary>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [Queued, Running, Succeeded, Failed, Cancelled];
    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}
