using System.Collections.Concurrent;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// The one way this process calls tenants' endpoints: a single HttpClient over <see cref="SafeHttpHandler"/> with the
/// operator's <see cref="OutboundOptions"/> (the address check runs where the socket connects, so no DNS answer can
/// slip a refused address past it), and one concurrency gate per endpoint shared by everything in the process that
/// calls it (probes, jobs). The client is never IHttpClientFactory's: its logging handlers would log each call's URL,
/// and nothing here should put an endpoint's traffic in the logs.
/// </summary>
public sealed class EndpointCalls : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<(string Id, int Max), EndpointGate> _gates = new();

    public EndpointCalls(IOptions<OutboundOptions> options, IHostResolver resolver)
        : this(SafeHttpHandler.Create(options.Value.Policy(), resolver), options.Value.Policy())
    {
    }

    /// <summary>Over another transport than the socket handler (tests route hosts to in-process doubles); <paramref name="policy"/> is what it enforces.</summary>
    public EndpointCalls(HttpMessageHandler handler, OutboundPolicy policy)
    {
        Policy = policy;
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public OutboundPolicy Policy { get; }

    /// <summary>A client for one piece of work on <paramref name="endpoint"/>, its calls bounded by <paramref name="budget"/>.</summary>
    public EndpointClient Client(TenantEndpoint endpoint, CallBudget budget, EndpointClientOptions? options = null)
    {
        var gate = _gates.GetOrAdd((endpoint.Id, endpoint.Spec.MaxConcurrency), key => new EndpointGate(key.Max));
        return new EndpointClient(_http, endpoint.Spec, budget, gate, options);
    }

    public void Dispose() => _http.Dispose();
}
