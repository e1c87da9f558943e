using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// A tenant's registered OpenAI-compatible endpoint (POST /v1/endpoints), as a job needs it: the spec with the key
/// decrypted (in memory only, never logged or stored in a result) and the last probe's capabilities, if probed.
/// </summary>
public sealed record TenantEndpoint(string Id, EndpointSpec Spec, EndpointCapabilities? Capabilities);

/// <summary>
/// Where jobs look up a tenant's endpoints. The seam between the endpoints resource (stored, keys encrypted with ASP.NET
/// Core Data Protection) and the black-box jobs that call them: jobs only ever see this interface.
/// </summary>
public interface ITenantEndpoints
{
    /// <summary>The endpoint, or null when the tenant has none with that id (never another tenant's).</summary>
    Task<TenantEndpoint?> FindAsync(Guid tenantId, string endpointId, CancellationToken ct);

    /// <summary>
    /// Keeps what a job's probe of a never-probed endpoint found, so the next job does not probe again and the endpoint's
    /// GET shows it. Stored only while the endpoint is still unprobed and still serves the model that was probed (two jobs
    /// probing at once: the first write wins, the second finds it probed; a PATCH to another model meanwhile voids it).
    /// The notes are stored with the endpoint's secrets redacted. True when this call stored it.
    /// </summary>
    Task<bool> StoreProbeAsync(Guid tenantId, TenantEndpoint probed, EndpointCapabilities found, CancellationToken ct);
}
