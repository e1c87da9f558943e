using LeapEngine.Core.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>
/// The real API (Program) on a real PostgreSQL database, configured as production would be
/// except for test plans, a known operator key and short polling intervals.
/// </summary>
public sealed class LeapApiFactory(string connectionString, bool runWorkerInProcess, int stepDelayMs,
    IReadOnlyDictionary<string, string>? extra = null, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    public const string OperatorKey = "test-operator-key-7c1f0e0d9b";

    /// <summary>A served model whose files exist nowhere (a hub id, and the server is offline).</summary>
    public const string AbsentModel = "leaptest/absent-model";

    /// <summary>The class of stories260K-hf, served beside stories260K so a worker can be given only its queues.</summary>
    public const string HfClass = "hf";

    /// <summary>Plans the tests use, by what they exercise.</summary>
    public static readonly Dictionary<string, string> Settings = new()
    {
        ["Leap:Plans:test:MaxPromptTokens"] = "64",
        ["Leap:Plans:test:JobsPerDay"] = "10000",
        ["Leap:Plans:test:ConcurrentJobs"] = "50",
        ["Leap:Plans:test:ComputeTokensPerMonth"] = "100000000",
        ["Leap:Plans:test:RequestsPerMinute"] = "100000",
        ["Leap:Plans:test:Priority"] = "1",
        // Bursts of parallel long-polls in other tests must not meet the held-connection limit; StreamTests use "streams".
        ["Leap:Plans:test:HeldConnections"] = "1000",
        ["Leap:Plans:streams:HeldConnections"] = "10",
        ["Leap:Plans:streams:JobsPerDay"] = "10000",
        ["Leap:Plans:streams:ConcurrentJobs"] = "50",
        ["Leap:Plans:streams:RequestsPerMinute"] = "100000",
        ["Leap:Plans:compute:ComputeTokensPerMonth"] = "100",
        ["Leap:Plans:compute:ConcurrentJobs"] = "50",
        ["Leap:Plans:compute:RequestsPerMinute"] = "100000",
        ["Leap:Plans:burst:ComputeTokensPerMonth"] = "1500",
        ["Leap:Plans:burst:ConcurrentJobs"] = "50",
        ["Leap:Plans:burst:JobsPerDay"] = "10000",
        ["Leap:Plans:burst:RequestsPerMinute"] = "100000",
        ["Leap:Plans:daily:JobsPerDay"] = "3",
        ["Leap:Plans:daily:ConcurrentJobs"] = "50",
        ["Leap:Plans:daily:RequestsPerMinute"] = "100000",
        ["Leap:Plans:slow:RequestsPerMinute"] = "5",
        // Endpoint tests: few endpoints, few endpoint calls (Endpoints/ tests).
        ["Leap:Plans:fewendpoints:MaxEndpoints"] = "2",
        ["Leap:Plans:fewendpoints:RequestsPerMinute"] = "100000",
        ["Leap:Plans:fewcalls:EndpointCallsPerMonth"] = "15",
        ["Leap:Plans:fewcalls:RequestsPerMinute"] = "100000",
        ["Leap:Plans:nomodels:AllowedModels:0"] = "some-other-model",
        ["Leap:Plans:nomodels:RequestsPerMinute"] = "100000",
        ["Leap:Models:Served:1:Id"] = "stories260K-hf",
        ["Leap:Models:Served:1:Class"] = HfClass,
        ["Leap:Models:Served:2:Id"] = AbsentModel,
        ["Leap:Models:Served:2:Class"] = "small",
        // The OpenAI-compatible routes' alias: stories260K behind a system prompt its clients never see (OpenAi/ tests).
        [$"Leap:OpenAi:Aliases:{HiddenAlias}:Model"] = "stories260K",
        [$"Leap:OpenAi:Aliases:{HiddenAlias}:HiddenSystemPrompt"] = HiddenPrompt,
        [$"Leap:OpenAi:Aliases:{HiddenAlias}:Description"] = "stories260K with a hidden system prompt",
        // Black-box jobs: an endpoint that keeps failing is given up on quickly (BlackBox/ tests).
        ["Leap:Outbound:MaxRetries"] = "2",
        ["Leap:Outbound:RetryBaseDelayMs"] = "5",
        ["Leap:Plans:calls:EndpointCallsPerMonth"] = "60",
        ["Leap:Plans:calls:MaxCallsPerJob"] = "50",
        ["Leap:Plans:calls:ConcurrentJobs"] = "50",
        ["Leap:Plans:calls:RequestsPerMinute"] = "100000",
    };

    public const string HiddenAlias = "stories-hidden";
    public const string HiddenPrompt = "The dragon was named Zog.";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Leap:Database:Provider", "postgres");
        builder.UseSetting("Leap:Database:ConnectionString", connectionString);
        builder.UseSetting("Leap:Api:OperatorKey", OperatorKey);
        builder.UseSetting("Leap:Api:BootstrapFreeKey", "false");
        builder.UseSetting("Leap:Api:RunWorkerInProcess", runWorkerInProcess ? "true" : "false");
        builder.UseSetting("Leap:Api:MaxBodyBytes", "65536");
        // Every test creates tenants through the one operator key: its rate must not be what a test measures.
        builder.UseSetting("Leap:Api:OperatorRequestsPerMinute", "1000000");
        builder.UseSetting("Leap:Models:ModelsDir", SharedFiles.ModelsDir);
        builder.UseSetting("Leap:Jobs:QueuePollIntervalSeconds", "0.1");
        builder.UseSetting("Leap:Jobs:ProgressIntervalMs", "100");
        builder.UseSetting("Leap:Jobs:StepDelayMs", stepDelayMs.ToString());
        builder.UseSetting("Leap:Jobs:WorkerCount", "4");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) builder.UseSetting(key, value);
        // Black-box jobs find their endpoints in memory and reach in-process doubles (BlackBox/TestEndpoints.cs).
        builder.ConfigureTestServices(BlackBox.BlackBoxTestHost.Add);
        if (services is not null) builder.ConfigureTestServices(services);
    }
}
