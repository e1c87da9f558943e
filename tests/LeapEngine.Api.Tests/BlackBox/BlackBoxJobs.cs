using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests.BlackBox;

/// <summary>What the black-box job tests share: registering endpoints, routing doubles, reading usage.</summary>
internal static class BlackBoxJobs
{
    public static TestEndpoints Endpoints(ApiFixture api) => api.Factory.Services.GetRequiredService<TestEndpoints>();
    public static EndpointRoutes Routes(ApiFixture api) => api.Factory.Services.GetRequiredService<EndpointRoutes>();

    /// <summary>What the probe finds on today's OpenAI chat API (and on OpenAiChatDouble): chat top_logprobs 20, nothing else.</summary>
    public static readonly EndpointCapabilities ChatOnly = new()
    {
        ChatLogprobs = true, TopLogprobs = 20, CompletionsEcho = false, PromptLogprobs = false, Tokenize = false,
        DeterministicAtTemperatureZero = true, Notes = [], Calls = 0,
    };

    /// <summary>Routes a fresh host to <paramref name="handler"/> and registers it as an endpoint of <paramref name="tenant"/>.</summary>
    public static (string Id, string Host) AddDouble(ApiFixture api, Tenant tenant, HttpMessageHandler handler,
        EndpointCapabilities? capabilities = null, int maxConcurrency = 4, string kind = "double")
    {
        var host = EndpointRoutes.NewHost(kind);
        Routes(api).Route(host, handler);
        var id = Endpoints(api).Add(tenant.Id, new EndpointSpec
        {
            BaseUrl = new Uri($"http://{host}/v1"), Model = "double", ApiKey = "sk-test-secret", MaxConcurrency = maxConcurrency,
            Timeout = TimeSpan.FromSeconds(30),
        }, capabilities);
        return (id, host);
    }

    public static async Task<JsonObject> UsageAsync(Tenant tenant) => (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;

    public static long Long(JsonNode? node) => node!.GetValue<long>();
}
