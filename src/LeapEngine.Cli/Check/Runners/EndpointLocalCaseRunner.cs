using LeapEngine.Cli.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Cli.Check.Runners;

/// <summary>
/// --local with an inline endpoint (<c>endpoint: {base_url, api_key_env, model}</c>): Core's black-box attribution in this
/// process, the calls going out from this machine with the key from the named environment variable. The endpoint is
/// probed once, before the first case; a case the endpoint cannot score (a given completion without prompt log-probs,
/// endpoint_token units without a tokenize route) is a config error at the case.
/// </summary>
public sealed class EndpointLocalCaseRunner(CheckConfig config, LocalEndpoint endpoint, StatusLine status) : ICaseRunner
{
    public string Describe => $"local → {endpoint.Spec}" + (endpoint.ProbeCalls > 0 ? $" (probed in {endpoint.ProbeCalls} calls)" : "");

    public async Task<CaseRun> RunAsync(CheckCase c, CancellationToken ct)
    {
        var progress = status.For<ProgressUpdate>(p => $"{c.Name}: {p.Done}/{p.Total} {p.Unit}");
        try
        {
            return BlackBoxCase.Run(await endpoint.AttributeAsync(BlackBoxCase.Request(config, c), progress, ct));
        }
        catch (ArgumentException e)
        {
            throw new CheckConfigException(c.At, $"{c.Name}: {e.Message}");
        }
    }

    public void Dispose() => endpoint.Dispose();
}
