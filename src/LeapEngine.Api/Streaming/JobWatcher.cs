using System.Threading.Channels;
using LeapEngine.Data.Entities;

namespace LeapEngine.Api.Streaming;

/// <summary>
/// One stream's or long-poll's subscription to one job: the shared poller offers it each new
/// state of the row, and ends it when the key that opened it stops being valid. Only the latest
/// state is kept (every event carries the whole job object, so a slow reader loses nothing by
/// skipping an intermediate one).
/// </summary>
public sealed class JobWatcher : IDisposable
{
    private readonly JobWatch _owner;
    private readonly Channel<JobRecord> _updates = Channel.CreateBounded<JobRecord>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    // Never disposed: it has no timer, and the poller may cancel it after the stream has ended.
    private readonly CancellationTokenSource _revoked = new();

    internal JobWatcher(JobWatch owner, Guid jobId, Guid? keyId)
    {
        _owner = owner;
        JobId = jobId;
        KeyId = keyId;
    }

    public Guid JobId { get; }
    /// <summary>The API key the connection authenticated with (null for keys from configuration, which are not revocable).</summary>
    public Guid? KeyId { get; }
    /// <summary>The key was revoked, expired or deleted while the connection was open.</summary>
    public bool KeyRevoked => _revoked.IsCancellationRequested;

    /// <summary>
    /// The next state of the job newer than <paramref name="current"/>, or null when
    /// <paramref name="ct"/> fires or the key is revoked (see <see cref="KeyRevoked"/>).
    /// </summary>
    public async Task<JobRecord?> NextAsync(JobRecord current, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, _revoked.Token);
        try
        {
            while (true)
            {
                var next = await _updates.Reader.ReadAsync(wait.Token);
                // A poll that started before this connection's own read may deliver an older state: skip it
                // rather than show progress going backwards (a change of status always passes).
                if (next.UpdatedAt >= current.UpdatedAt || next.Status != current.Status) return next;
            }
        }
        catch (OperationCanceledException) { return null; }
    }

    internal void Offer(JobRecord job) => _updates.Writer.TryWrite(job);

    internal void Revoke() => _revoked.Cancel();

    public void Dispose() => _owner.Remove(this);
}
