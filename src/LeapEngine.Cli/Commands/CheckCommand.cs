using System.CommandLine;
using LeapEngine.Cli.Attribution;
using LeapEngine.Cli.Check;
using LeapEngine.Cli.Check.Reports;
using LeapEngine.Cli.Check.Runners;
using LeapEngine.Cli.Server;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.Store;

namespace LeapEngine.Cli.Commands;

/// <summary>
/// leap check [FILE] — the CI gate on system-prompt influence: measures the cases of a leap.yaml on a LeapEngine server
/// (or --local), judges their assertions, compares with the baseline, and writes what pipelines read (terminal summary,
/// JUnit, JSON, SARIF, GitHub annotations and step summary). Exit codes (docs/ci.md): 0 every assertion passed, 1 an
/// assertion failed or a figure drifted, 2 the check could not run.
/// </summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The check config", DefaultValueFactory = _ => "leap.yaml" };
        var local = new Option<bool>("--local") { Description = "Run the engine on this machine (the config's model: is a model id or path) instead of a server" };
        var update = new Option<bool>("--update-baseline") { Description = "Write the measured figures as the new baseline (next to the config) instead of comparing with it" };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to this file (one testcase per assertion)" };
        var json = new Option<string?>("--json") { Description = "Write the whole result as JSON to this file" };
        var sarif = new Option<string?>("--sarif") { Description = "Write failures as SARIF 2.1.0 to this file" };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Give up after this many seconds in all (exit 2; jobs still running are cancelled); 0 = no limit",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("check", "CI gate: measure system-prompt influence for the cases of a leap.yaml and check their assertions; " +
                                           "exit 0 passed, 1 an assertion failed or drifted, 2 could not run")
        {
            file, local, update, junit, json, sarif, timeout, ServerOptions.ApiUrl, ServerOptions.ApiKeyEnv, ServerOptions.Retries,
        };
        command.SetAction(async (parse, ct) =>
        {
            var seconds = parse.GetValue(timeout);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var status = new StatusLine();
            try
            {
                if (seconds < 0 || double.IsNaN(seconds)) throw new ServerException("--timeout must be 0 (no limit) or a number of seconds");
                if (seconds > 0) deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
                var config = CheckConfigReader.Load(parse.GetValue(file)!);
                bool updating = parse.GetValue(update);
                var (baseline, note) = updating ? (null, $"updated {config.Baseline.File}") : ReadBaseline(config);
                using var runner = await CreateRunnerAsync(parse, parse.GetValue(local), config, status, deadline.Token);
                var report = await new CheckRun(config, runner, status, Console.Error).RunAsync(baseline, note, deadline.Token);
                if (updating) Baseline.Of(config, report.Cases).Write(config.Baseline.File);
                int code = report.Passed ? ServerOptions.Succeeded : ServerOptions.Failed;
                TerminalSummary.Write(report, Console.Out);
                if (parse.GetValue(junit) is { } j) JUnitReport.Write(report, j);
                if (parse.GetValue(json) is { } js) JsonReport.Write(report, code, js);
                if (parse.GetValue(sarif) is { } s) SarifReport.Write(report, s);
                if (GitHubReport.Enabled) GitHubReport.Write(report, Console.Out);
                return code;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                status.Clear();
                Console.Error.WriteLine("leap: cancelled");
                return 130;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return CouldNotRun(status, $"timed out after {seconds:0.###} s (--timeout); the check did not finish");
            }
            catch (CheckConfigException e)
            {
                if (GitHubReport.Enabled)
                    Console.WriteLine(GitHubReport.Error(e.At, "leap check: the config", e.Message));
                return CouldNotRun(status, e.Message);
            }
            catch (Exception e) when (e is ServerException or BaselineException or ModelNotAvailableException or EndpointException or IOException
                                          or UnauthorizedAccessException or ArgumentException or InvalidDataException
                                          or InvalidOperationException or NotSupportedException)
            {
                return CouldNotRun(status, e.Message);
            }
        });
        return command;
    }

    private static int CouldNotRun(StatusLine status, string message)
    {
        status.Clear();
        Console.Error.WriteLine($"leap: error: {message}");
        return ServerOptions.CouldNotRun;
    }

    private static (Baseline? Baseline, string Note) ReadBaseline(CheckConfig config)
    {
        var path = config.Baseline.File;
        if (!File.Exists(path)) return (null, $"none ({path} does not exist; record one with --update-baseline)");
        var baseline = Baseline.Read(path);
        baseline.EnsureComparable(config, path);
        var changed = baseline.SystemPromptSha256 != Baseline.Hash(config.SystemPrompt.Text) ? "; the system prompt changed since" : "";
        return (baseline, $"compared with {path}{changed}");
    }

    private static async Task<ICaseRunner> CreateRunnerAsync(ParseResult parse, bool local, CheckConfig config, StatusLine status, CancellationToken ct)
    {
        switch (config.Target)
        {
            case EndpointTarget { IsRegistered: true } e when local:
                throw new CheckConfigException(e.At, $"endpoint: {e.EndpointId} is registered on a LeapEngine server, which holds its key; --local " +
                                                     "runs on this machine and cannot use it: drop --local (the server from LEAP_API_URL/LEAP_API_KEY " +
                                                     "runs it), or give the endpoint inline as {base_url, api_key_env, model}");
            case EndpointTarget { IsRegistered: false } e when !local:
                throw new CheckConfigException(e.At, "an inline endpoint runs only with --local (the calls go out from this machine" +
                                                     (e.ApiKeyEnv is null ? "" : $" with the key from ${e.ApiKeyEnv}") + "); a server's jobs take a registered endpoint, whose key it stores encrypted: " +
                                                     "register it with POST /v1/endpoints (docs/black-box.md) and give endpoint: ep_…, or add --local");
            case EndpointTarget e when local:
                return new EndpointLocalCaseRunner(config, new LocalEndpoint(InlineSpec(e)), status);
            case EndpointTarget e:
                return new EndpointServerCaseRunner(config, e.EndpointId!, ServerClient(parse), status);
        }
        var model = ((ServedModelTarget)config.Target).Model;
        if (!local) return new ServerCaseRunner(config, model, ServerClient(parse), status);
        var loaded = await CliRunner.LoadModelAsync(parse, model, ct);
        return new LocalCaseRunner(config, loaded, status);
    }

    private static LeapApiClient ServerClient(ParseResult parse)
    {
        try
        {
            return ServerOptions.CreateClient(parse);
        }
        catch (ServerException e)
        {
            throw new ServerException($"{e.Message} (or run the engine on this machine: leap check --local)", e.Status);
        }
    }

    /// <summary>An inline endpoint's call spec, its key from the variable the config names (never the file); none when
    /// the config names no variable.</summary>
    private static EndpointSpec InlineSpec(EndpointTarget e)
    {
        var key = e.ApiKeyEnv is null ? null : Environment.GetEnvironmentVariable(e.ApiKeyEnv);
        if (e.ApiKeyEnv is not null && string.IsNullOrEmpty(key))
            throw new CheckConfigException(e.ApiKeyEnvAt ?? e.At, $"endpoint.api_key_env: the environment variable {e.ApiKeyEnv} is not set or is empty; " +
                                                                  "export the endpoint's key in it (the key is never written in the config)");
        var spec = new EndpointSpec { BaseUrl = e.BaseUrl!, Model = e.Model!, ApiKey = key };
        try { spec.Validate(); }
        catch (ArgumentException x) { throw new CheckConfigException(e.At, $"endpoint: {x.Message}"); }
        return spec;
    }
}
