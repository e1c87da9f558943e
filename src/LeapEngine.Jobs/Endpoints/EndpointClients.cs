using System.Collections.Concurrent;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// Builds the <see cref="EndpointClient"/> a black-box job calls its endpoint with: the named HttpClient
/// <see cref="HttpClientName"/> (its primary handler is <see cref="SafeHttpHandler"/>, so the SSRF check happens at
/// connect time), the operator's retry settings, and one <see cref="EndpointGate"/> per endpoint shared by every job of
/// this process, so the endpoint's max concurrency holds across jobs, not per job.
/// </summary>
public sealed class EndpointClients(IHttpClientFactory http, IOptions<OutboundOptions> options)
{
    public const string HttpClientName = "leap-endpoints";

    private readonly ConcurrentDictionary<(Guid Tenant, string Endpoint, int Concurrency), EndpointGate> _gates = new();

    public EndpointClient Create(Guid tenantId, TenantEndpoint endpoint, CallBudget budget)
    {
        var gate = _gates.GetOrAdd((tenantId, endpoint.Id, endpoint.Spec.MaxConcurrency), key => new EndpointGate(key.Concurrency));
        // The client's own timeout is off: each attempt has the endpoint's timeout (the client's resilience pipeline).
        var client = http.CreateClient(HttpClientName);
        client.Timeout = Timeout.InfiniteTimeSpan;
        return new EndpointClient(client, endpoint.Spec, budget, gate, options.Value.ClientOptions());
    }
}

public static class EndpointClientsRegistration
{
    /// <summary>
    /// The outbound side of black-box jobs: <see cref="OutboundOptions"/>, the SSRF-safe named HttpClient and
    /// <see cref="EndpointClients"/>. Until the endpoints resource registers its store, <see cref="ITenantEndpoints"/>
    /// finds nothing (every black-box submission answers 404 for its endpoint).
    /// </summary>
    public static IServiceCollection AddEndpointClients(this IServiceCollection services)
    {
        services.AddOptions<OutboundOptions>().BindConfiguration(OutboundOptions.Section).ValidateDataAnnotations()
            .Validate(o => { try { o.Policy(); return true; } catch (ArgumentException) { return false; } },
                "Leap:Outbound:AllowedRanges must be CIDR blocks, e.g. 10.20.0.0/16")
            .ValidateOnStart();
        services.AddHttpClient(EndpointClients.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => SafeHttpHandler.Create(sp.GetRequiredService<IOptions<OutboundOptions>>().Value.Policy()))
            // Redirects are refused by the client (a 3xx is reported, never followed), so no handler may follow them.
            .SetHandlerLifetime(TimeSpan.FromMinutes(5));
        services.TryAddSingleton<EndpointClients>();
        services.TryAddScoped<ITenantEndpoints, NoTenantEndpoints>();
        return services;
    }
}

/// <summary>The store a host without the endpoints resource has: no tenant has any endpoint.</summary>
public sealed class NoTenantEndpoints : ITenantEndpoints
{
    public Task<TenantEndpoint?> FindAsync(Guid tenantId, string endpointId, CancellationToken ct) => Task.FromResult<TenantEndpoint?>(null);
}
