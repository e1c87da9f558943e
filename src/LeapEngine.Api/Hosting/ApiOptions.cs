using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Api.Hosting;

/// <summary>The API process's own settings (section Leap:Api).</summary>
public sealed class ApiOptions
{
    public const string Section = "Leap:Api";

    /// <summary>Also run jobs in this process (standalone mode). Production sets false and runs LeapEngine.Worker.</summary>
    public bool RunWorkerInProcess { get; set; } = true;

    /// <summary>
    /// Operator key from configuration (env Leap__Api__OperatorKey). Without one, the first start
    /// creates an operator key in the database and prints it once.
    /// </summary>
    public string? OperatorKey { get; set; }

    /// <summary>On a first start with an empty database, create a researcher tenant on the default plan and print its key.</summary>
    public bool BootstrapFreeKey { get; set; } = true;

    /// <summary>Largest request body accepted, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)] public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest ?wait= a GET may block for, in seconds.</summary>
    [Range(0, 600)] public int MaxWaitSeconds { get; set; } = 60;

    /// <summary>A worker counts as alive for /readyz when its heartbeat is younger than this.</summary>
    [Range(1, 3600)] public int WorkerHeartbeatSeconds { get; set; } = 60;

    /// <summary>
    /// On SIGTERM the API stops accepting connections and lets requests in flight finish for up to this
    /// long (the host's shutdown timeout) before it exits; a balancer's readiness check sees it go.
    /// </summary>
    [Range(1, 3600)] public int ShutdownDrainSeconds { get; set; } = 30;

    /// <summary>Failed authentications a client address may make per minute; past that it gets 429 until the minute ends.</summary>
    [Range(1, 1_000_000)] public int FailedAuthPerMinute { get; set; } = 10;

    /// <summary>Failed authentications are logged as one summary line per this many seconds.</summary>
    [Range(1, 86_400)] public int FailedAuthSummarySeconds { get; set; } = 60;

    /// <summary>Requests per minute of each operator key (operator routes are not covered by a tenant's plan).</summary>
    [Range(1, 1_000_000)] public int OperatorRequestsPerMinute { get; set; } = 600;
}
