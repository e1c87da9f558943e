using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LeapEngine.Jobs.Telemetry;

/// <summary>
/// The engine's own instruments (meter and activity source "LeapEngine"), exported by OpenTelemetry:
/// Prometheus on the API's /metrics (operator key) and a worker's Leap:Telemetry:MetricsPort, traces
/// over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. One job is one trace: the submitting request's
/// trace context is stored with the job row, and the worker's run continues it.
/// </summary>
public static class LeapTelemetry
{
    public const string Name = "LeapEngine";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Jobs this process is running now, per job type.</summary>
    public static readonly UpDownCounter<long> RunningJobs =
        Meter.CreateUpDownCounter<long>("leap.jobs.running", description: "Jobs running in this process");

    /// <summary>Wall time of one run (an attempt), per job type and outcome.</summary>
    public static readonly Histogram<double> JobDuration =
        Meter.CreateHistogram<double>("leap.job.duration", unit: "s", description: "Duration of a job run, by type and outcome");

    /// <summary>Model tokens a run processed per second of its wall time (forward passes, backward passes counted as usage counts them).</summary>
    public static readonly Histogram<double> TokensPerSecond =
        Meter.CreateHistogram<double>("leap.job.tokens_per_second", description: "Model tokens per second of a job run, by type");

    /// <summary>Requests refused with 429 by a rate limit (bucket: tenant, operator) or the failed-authentication throttle (auth).</summary>
    public static readonly Counter<long> RateLimitRejections =
        Meter.CreateCounter<long>("leap.rate_limit.rejections", description: "Requests refused by a rate limit or the auth throttle");

    /// <summary>Submissions refused with 402/429 by a plan's quota (concurrent_jobs, jobs_per_day, model_tokens).</summary>
    public static readonly Counter<long> QuotaRejections =
        Meter.CreateCounter<long>("leap.quota.rejections", description: "Job submissions refused by a plan quota");

    /// <summary>
    /// Starts the activity of a job run as a child of the submitting request (W3C traceparent stored with the job);
    /// a job without one (submitted before tracing, or by the reconciler) starts a trace of its own.
    /// </summary>
    public static Activity? StartRun(string type, Guid jobId, int attempt, string? traceParent)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = Source.StartActivity($"job {type}", ActivityKind.Consumer, parent);
        activity?.SetTag("leap.job.id", jobId.ToString("N"));
        activity?.SetTag("leap.job.type", type);
        activity?.SetTag("leap.job.attempt", attempt);
        return activity;
    }
}
