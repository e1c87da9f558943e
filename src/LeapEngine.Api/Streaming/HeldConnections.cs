namespace LeapEngine.Api.Streaming;

/// <summary>
/// Counts the connections each tenant holds open in this process (SSE streams and long-polls
/// together) and refuses one beyond the tenant's limit. Taking a slot is check-and-increment
/// under one lock, so a burst of parallel requests gets exactly <c>limit</c> slots. Counted per
/// API process, like the request rate limits: behind N replicas a tenant may hold up to N times
/// its limit (each replica still bounds its own memory, sockets and poller work).
/// </summary>
public sealed class HeldConnections
{
    private readonly object _gate = new();
    private readonly Dictionary<Guid, int> _held = [];

    /// <summary>A slot for <paramref name="tenantId"/>, or null when it already holds <paramref name="limit"/>.</summary>
    public Slot? TryTake(Guid tenantId, int limit)
    {
        lock (_gate)
        {
            int held = _held.GetValueOrDefault(tenantId);
            if (held >= limit) return null;
            _held[tenantId] = held + 1;
            return new Slot(this, tenantId);
        }
    }

    /// <summary>Connections <paramref name="tenantId"/> holds now.</summary>
    public int HeldBy(Guid tenantId)
    {
        lock (_gate) return _held.GetValueOrDefault(tenantId);
    }

    private void Release(Guid tenantId)
    {
        lock (_gate)
        {
            int held = _held.GetValueOrDefault(tenantId) - 1;
            // Forget idle tenants, so the table only ever holds tenants with open connections.
            if (held <= 0) _held.Remove(tenantId);
            else _held[tenantId] = held;
        }
    }

    /// <summary>One held connection; disposing it (however the request ended) gives the slot back, once.</summary>
    public sealed class Slot : IDisposable
    {
        private HeldConnections? _owner;
        private readonly Guid _tenantId;

        internal Slot(HeldConnections owner, Guid tenantId)
        {
            _owner = owner;
            _tenantId = tenantId;
        }

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Release(_tenantId);
    }
}
