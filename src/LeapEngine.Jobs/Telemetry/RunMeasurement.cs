using System.Diagnostics;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Telemetry;

/// <summary>
/// One job run in the metrics: counted as running until disposed, then its duration (tagged with how it
/// ended) and its model tokens per second are recorded under its job type.
/// </summary>
public sealed class RunMeasurement : IDisposable
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly KeyValuePair<string, object?> _type;
    private readonly UsageMeter _usage;

    public RunMeasurement(string type, UsageMeter usage)
    {
        _type = new("job_type", type);
        _usage = usage;
        LeapTelemetry.RunningJobs.Add(1, _type);
    }

    /// <summary>The final status the run stored; "interrupted" when it stored none (put back for a retry, handed back, dropped).</summary>
    public string Outcome { get; set; } = "interrupted";

    public void Dispose()
    {
        LeapTelemetry.RunningJobs.Add(-1, _type);
        double seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        LeapTelemetry.JobDuration.Record(seconds, _type, new KeyValuePair<string, object?>("outcome", Outcome));
        if (_usage.Tokens > 0 && seconds > 0) LeapTelemetry.TokensPerSecond.Record(_usage.Tokens / seconds, _type);
    }
}
