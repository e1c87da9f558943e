using LeapEngine.Core.Runtime;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Metering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeapEngine.Jobs.Execution;

/// <summary>
/// Watches one running job: takes the method's progress reports (the latest wins), writes them
/// to the job row every <see cref="JobsOptions.ProgressIntervalMs"/>, and on the same tick
/// looks for a cancel request or a later attempt that took the job over; either cancels the
/// run's token, which the method honours within one step.
/// </summary>
internal sealed class JobMonitor : IProgress<ProgressUpdate>, IAsyncDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly JobRecord _job;
    private readonly UsageMeter _usage;
    private readonly JobsOptions _options;
    private readonly CancellationTokenSource _cancel;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private ProgressUpdate? _latest;
    private ProgressUpdate? _written;
    private long _writtenTokens;

    public JobMonitor(IServiceScopeFactory scopes, JobRecord job, UsageMeter usage, JobsOptions options, CancellationTokenSource cancel,
        ILogger log)
    {
        _scopes = scopes;
        _job = job;
        _usage = usage;
        _options = options;
        _cancel = cancel;
        _log = log;
        _loop = Task.Run(LoopAsync);
    }

    public bool CancelRequested { get; private set; }
    public bool LostOwnership { get; private set; }

    public void Report(ProgressUpdate value)
    {
        _latest = value;
        // Fault drills slow every step down so that a tiny model's job lasts long enough to interrupt.
        if (_options.StepDelayMs > 0) _cancel.Token.WaitHandle.WaitOne(_options.StepDelayMs);
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ProgressIntervalMs, _stop.Token);
            }
            catch (OperationCanceledException) { break; }
            try { await TickAsync(); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database blip must not kill the job; the next tick tries again.
                _log.LogWarning(e, "Could not write progress of job {JobId}", _job.Id);
            }
        }
    }

    private async Task TickAsync()
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        // Usage counts too: a job the reconciler ends is charged what the last write recorded.
        if (_latest is { } p && (p != _written || _usage.Tokens != _writtenTokens))
        {
            _writtenTokens = _usage.Tokens;
            if (!await JobStore.ReportProgressAsync(db, _job.Id, _job.Attempt, p.Done, p.Total, p.Unit, p.Message,
                    _usage.Tokens, DateTime.UtcNow, CancellationToken.None))
                await CheckStopAsync(db);
            _written = p;
        }
        await CheckStopAsync(db);
    }

    private async Task CheckStopAsync(LeapDbContext db)
    {
        if (_cancel.IsCancellationRequested || !await JobStore.ShouldStopAsync(db, _job.Id, _job.Attempt, CancellationToken.None))
            return;
        var row = await db.Jobs.FindAsync(_job.Id);
        if (row is not null && row.Attempt == _job.Attempt && row.CancelRequested) CancelRequested = true;
        else LostOwnership = true;
        await _cancel.CancelAsync();
    }

    /// <summary>Stops watching (before the outcome is written, so no late progress overwrites it).</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _loop;
    }

    /// <summary>Stops watching and writes the last progress report, so a job that was quicker than one tick still shows it.</summary>
    public async Task StopAndFlushAsync()
    {
        await StopAsync();
        if (_latest is not { } p || p == _written) return;
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        await JobStore.ReportProgressAsync(db, _job.Id, _job.Attempt, p.Done, p.Total, p.Unit, p.Message, _usage.Tokens,
            DateTime.UtcNow, CancellationToken.None);
        _written = p;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
