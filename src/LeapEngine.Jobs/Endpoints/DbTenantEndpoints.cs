using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// <see cref="ITenantEndpoints"/> over the endpoints table: the tenant's row by public id (another tenant's id finds
/// nothing), its secrets decrypted on demand with the shared Data Protection key ring, so a worker reads what any API
/// replica stored.
/// </summary>
public sealed class DbTenantEndpoints(IDbContextFactory<LeapDbContext> factory, EndpointSecrets secrets) : ITenantEndpoints
{
    public async Task<TenantEndpoint?> FindAsync(Guid tenantId, string endpointId, CancellationToken ct)
    {
        var id = EndpointStore.ParsePublicId(endpointId);
        if (id is null) return null;
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.Endpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id && e.TenantId == tenantId, ct);
        return row is null ? null
            : new TenantEndpoint(EndpointStore.PublicId(row.Id), EndpointStore.Spec(row, secrets), EndpointStore.ReadCapabilities(row.CapabilitiesJson));
    }

    public async Task<bool> StoreProbeAsync(Guid tenantId, TenantEndpoint probed, EndpointCapabilities found, CancellationToken ct)
    {
        var id = EndpointStore.ParsePublicId(probed.Id);
        if (id is null || !EndpointStore.Usable(found)) return false;
        string json = EndpointStore.WriteCapabilities(SecretRedaction.Redact(found, probed.Spec)), model = probed.Spec.Model;
        var now = DateTime.UtcNow;
        await using var db = await factory.CreateDbContextAsync(ct);
        // One conditional UPDATE: the condition is checked and the row written atomically by the database, so of two jobs
        // that probed together exactly one stores (the other's UPDATE matches no row), on PostgreSQL and SQLite alike.
        int stored = await db.Endpoints
            .Where(e => e.Id == id && e.TenantId == tenantId && e.Model == model && e.CapabilitiesJson == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.CapabilitiesJson, json).SetProperty(e => e.ProbedAt, now), ct);
        return stored == 1;
    }
}
