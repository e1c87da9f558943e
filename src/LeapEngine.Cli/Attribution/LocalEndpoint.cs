using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Cli.Attribution;

/// <summary>
/// An OpenAI-compatible endpoint called from this machine (<c>leap attribute --endpoint URL</c>, <c>leap check --local</c>
/// with an inline endpoint): probed once, on first use, then each attribution runs with its plan's call budget through
/// one concurrency gate. The CLI runs on its user's own machine and network, so it may call local and private addresses
/// (the SSRF policy protects a server from its tenants).
/// </summary>
public sealed class LocalEndpoint(EndpointSpec spec) : IDisposable
{
    private readonly HttpClient _http = new(SafeHttpHandler.Create(OutboundPolicy.From(["0.0.0.0/0", "::/0"], null))) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly EndpointGate _gate = new(spec.MaxConcurrency);
    private EndpointCapabilities? _capabilities;

    public EndpointSpec Spec => spec;

    /// <summary>Calls the probe made (0 until the first attribution).</summary>
    public long ProbeCalls => _capabilities?.Calls ?? 0;

    /// <summary>What the endpoint offers: probed on the first call (at most <see cref="EndpointProbe.MaxCalls"/> calls), then kept.</summary>
    public async Task<EndpointCapabilities> CapabilitiesAsync(CancellationToken ct) =>
        _capabilities ??= await EndpointProbe.RunAsync(new EndpointClient(_http, spec, new CallBudget(EndpointProbe.MaxCalls * 2), _gate), ct);

    /// <summary>Plans the request against the probe (an ArgumentException says what to fix), then runs it within the plan's budget.</summary>
    public async Task<BlackBoxAttributionResult> AttributeAsync(BlackBoxAttributionRequest request, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        request.Validate();
        var capabilities = await CapabilitiesAsync(ct);
        var plan = BlackBoxAttribution.Plan(request, capabilities);
        var client = new EndpointClient(_http, spec, new CallBudget(plan.CallBudget), _gate);
        return await BlackBoxAttribution.RunAsync(client, capabilities, request, progress, ct);
    }

    public void Dispose() => _http.Dispose();
}
