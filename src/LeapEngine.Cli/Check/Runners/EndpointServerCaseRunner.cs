using LeapEngine.Cli.Attribution;
using LeapEngine.Cli.Server;

namespace LeapEngine.Cli.Check.Runners;

/// <summary>
/// Measures a case against one of the tenant's registered endpoints (<c>endpoint: ep_…</c>): one black-box attribution job
/// on the server per case and repeat (POST /v1/attributions with <c>endpoint</c>; the server holds the endpoint's key,
/// makes the calls and meters them). Attribution rather than the influence-check job: its units give the visible and
/// span shares, and each case is followed and cancelled on its own, as a model target's are.
/// </summary>
public sealed class EndpointServerCaseRunner(CheckConfig config, string endpointId, LeapApiClient client, StatusLine status) : ICaseRunner
{
    public string Describe => $"{client.BaseAddress} endpoint {endpointId}";

    public async Task<CaseRun> RunAsync(CheckCase c, CancellationToken ct)
    {
        var (_, _, result) = await ServerEndpointAttribution.RunAsync(client, status, endpointId, BlackBoxCase.Request(config, c),
            $"{c.Name}: the black-box attribution job", ct);
        return BlackBoxCase.Run(result);
    }

    public void Dispose() => client.Dispose();
}
