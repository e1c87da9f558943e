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
}
