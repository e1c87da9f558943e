using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Api.Tests.Lifecycle;

/// <summary>What a fault-drill job does: meter some work, then fail, stall or run a hook as told.</summary>
public sealed class FaultDrillRequest : IJobRequest
{
    public string Model { get; set; } = "stories260K";
    /// <summary>Attempts 1..FailAttempts throw (a worker exception the runner retries).</summary>
    public int FailAttempts { get; set; }
    /// <summary>Model tokens each attempt meters before anything else.</summary>
    public long UseTokens { get; set; } = 10;
    /// <summary>Blocks this long ignoring cancellation: a stuck worker.</summary>
    public double StallSeconds { get; set; }
    /// <summary>Name of a <see cref="FaultDrillHandler.Hooks"/> entry to run before returning.</summary>
    public string? Hook { get; set; }
}

/// <summary>
/// A job type that exists only in the tests: it lets a test make the real runner, queues and
/// reconciler meet a worker exception, a stuck worker or a database outage at a chosen moment.
/// </summary>
public sealed class FaultDrillHandler : IJobHandler<FaultDrillRequest>
{
    public const string Type = "fault_drill";

    /// <summary>Hooks by name (a test registers one and names it in the request).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<Task>> Hooks = new();

    public ValueTask<JobEstimate> ValidateAsync(JobValidation context, FaultDrillRequest request, CancellationToken ct) =>
        ValueTask.FromResult(new JobEstimate(1, Math.Max(1, request.UseTokens)));

    public async Task<JobOutput> RunAsync(JobExecution job, FaultDrillRequest request, LanguageModel model,
        IProgress<ProgressUpdate> progress, CancellationToken ct)
    {
        job.Usage.Add(request.UseTokens);
        progress.Report(new ProgressUpdate(1, 2, "steps"));
        if (request.StallSeconds > 0) Thread.Sleep(TimeSpan.FromSeconds(request.StallSeconds));
        if (job.Attempt <= request.FailAttempts) throw new InvalidOperationException($"drill failure on attempt {job.Attempt}");
        if (request.Hook is { } name) await Hooks[name]();
        progress.Report(new ProgressUpdate(2, 2, "steps"));
        return new JobOutput(new { attempt = job.Attempt });
    }
}
