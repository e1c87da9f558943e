using System.Collections.Concurrent;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Jobs.Endpoints;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Tests.BlackBox;

/// <summary>
/// The endpoints resource as black-box jobs see it (<see cref="ITenantEndpoints"/>), with an in-memory layer over the
/// real store: a test may register an endpoint here directly (with the capabilities it wants, or a spec the resource
/// would refuse, such as a private address) and the jobs find it as they find those registered with POST /v1/endpoints.
/// </summary>
public sealed class TestEndpoints(ITenantEndpoints stored) : ITenantEndpoints
{
    private readonly ConcurrentDictionary<(Guid Tenant, string Id), TenantEndpoint> _endpoints = new();

    /// <summary>Registers an endpoint of <paramref name="tenantPublicId"/> (ten_...) and returns its id.</summary>
    public string Add(string tenantPublicId, EndpointSpec spec, EndpointCapabilities? capabilities = null)
    {
        var id = $"ep_{Guid.NewGuid():N}";
        _endpoints[(TenantGuid(tenantPublicId), id)] = new TenantEndpoint(id, spec, capabilities);
        return id;
    }

    public Task<TenantEndpoint?> FindAsync(Guid tenantId, string endpointId, CancellationToken ct) =>
        _endpoints.TryGetValue((tenantId, endpointId), out var endpoint) ? Task.FromResult<TenantEndpoint?>(endpoint) : stored.FindAsync(tenantId, endpointId, ct);

    /// <summary>An in-memory endpoint keeps a job's probe as the store does (first write wins); a stored one goes to the store.</summary>
    public Task<bool> StoreProbeAsync(Guid tenantId, TenantEndpoint probed, EndpointCapabilities found, CancellationToken ct)
    {
        var key = (tenantId, probed.Id);
        if (!_endpoints.TryGetValue(key, out var current)) return stored.StoreProbeAsync(tenantId, probed, found, ct);
        return Task.FromResult(current.Capabilities is null && _endpoints.TryUpdate(key, current with { Capabilities = found }, current));
    }

    public static Guid TenantGuid(string publicId) => Guid.ParseExact(publicId["ten_".Length..], "N");
}

/// <summary>
/// The primary handler of black-box jobs' HttpClient in the test host: a registered host name goes to its in-process
/// double (<see cref="Route"/>), <see cref="OwnHost"/> to the test server's own /v1 routes, and any other host to the
/// production handler (<see cref="SafeHttpHandler"/> with the host's outbound policy and resolver), so the SSRF refusal is the real one.
/// Every call is counted per host.
/// </summary>
public sealed class EndpointRoutes
{
    /// <summary>LeapEngine's own OpenAI-compatible routes, served by the test server (no socket).</summary>
    public const string OwnHost = "own.test";

    private readonly ConcurrentDictionary<string, HttpMessageHandler> _doubles = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sends calls to http://<paramref name="host"/>/... to <paramref name="handler"/>.</summary>
    public void Route(string host, HttpMessageHandler handler) => _doubles[host] = handler;

    /// <summary>Calls that reached <paramref name="host"/> so far.</summary>
    public int Calls(string host) => _calls.GetValueOrDefault(host);

    /// <summary>A fresh host name for a test's own double (calls are counted per host).</summary>
    public static string NewHost(string kind) => $"{kind}-{Guid.NewGuid():N}.test";

    internal HttpMessageHandler Handler(IServiceProvider services) => new Router(this, services);

    private sealed class Router(EndpointRoutes routes, IServiceProvider services) : HttpMessageHandler
    {
        private readonly Lazy<HttpMessageInvoker> _own = new(() => new HttpMessageInvoker(((TestServer)services.GetRequiredService<IServer>()).CreateHandler()));
        private readonly Lazy<HttpMessageInvoker> _real = new(() => new HttpMessageInvoker(
            SafeHttpHandler.Create(services.GetRequiredService<IOptions<OutboundOptions>>().Value.Policy(), services.GetService<IHostResolver>())));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var host = request.RequestUri!.Host;
            if (routes._doubles.TryGetValue(host, out var handler))
            {
                routes._calls.AddOrUpdate(host, 1, (_, n) => n + 1);
                return new HttpMessageInvoker(handler, disposeHandler: false).SendAsync(request, ct);
            }
            if (host.Equals(OwnHost, StringComparison.OrdinalIgnoreCase))
            {
                routes._calls.AddOrUpdate(host, 1, (_, n) => n + 1);
                return _own.Value.SendAsync(request, ct);
            }
            return _real.Value.SendAsync(request, ct);
        }
    }
}

public static class BlackBoxTestHost
{
    /// <summary>Layers <see cref="TestEndpoints"/> over the endpoints store and routes outbound calls through <see cref="EndpointRoutes"/>.</summary>
    public static void Add(IServiceCollection services)
    {
        services.RemoveAll<ITenantEndpoints>();
        services.AddSingleton(sp => new TestEndpoints(ActivatorUtilities.CreateInstance<DbTenantEndpoints>(sp)));
        services.AddSingleton<ITenantEndpoints>(sp => sp.GetRequiredService<TestEndpoints>());
        services.AddSingleton<EndpointRoutes>();
        services.RemoveAll<EndpointCalls>();
        services.AddSingleton(sp => new EndpointCalls(sp.GetRequiredService<EndpointRoutes>().Handler(sp),
            sp.GetRequiredService<IOptions<OutboundOptions>>().Value.Policy()));
    }
}
