using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.Tests.BlackBox;
using LeapEngine.Jobs.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests.BlackBox;

/// <summary>
/// A black-box job that finds its endpoint never probed probes it first and keeps what it found on the endpoint: the
/// endpoint's GET shows the capabilities, the next job does not probe again, and of two writers at once exactly one
/// stores (a conditional UPDATE), never over a model changed meanwhile, with the endpoint's secrets out of the notes.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProbeWriteBackTests(ApiFixture api)
{
    private const string Key = "sk-writeback-0123456789";

    /// <summary>Registers (POST /v1/endpoints) a public literal address that this test host routes to <paramref name="handler"/>.</summary>
    private async Task<string> RegisterAsync(Tenant tenant, string host, HttpMessageHandler handler, string model = "gpt-like")
    {
        BlackBoxJobs.Routes(api).Route(host, handler);
        var created = await tenant.Http.PostAsJsonAsync("/v1/endpoints", new { base_url = $"http://{host}/v1", model, api_key = Key });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Null(body["capabilities"]);
        return body["id"]!.GetValue<string>();
    }

    private static object Attribution(string endpoint) => new
    {
        endpoint, max_new_tokens = 5, noise_samples = 0, messages = new[] { new { role = "user", content = "What is the capital of France?" } },
    };

    [Fact]
    public async Task Two_jobs_on_an_unprobed_endpoint_store_its_probe_once_and_the_next_job_does_not_probe()
    {
        var tenant = await api.NewTenantAsync();
        const string Host = "93.184.216.41";
        var chat = new OpenAiChatDouble();
        var endpoint = await RegisterAsync(tenant, Host, chat);

        // Two jobs at once: each may find the endpoint unprobed and probe it; the endpoint keeps one probe.
        var first = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions", Attribution(endpoint));
        var second = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions", Attribution(endpoint));
        var jobs = await Task.WhenAll(JobClient.WaitFinalAsync(tenant.Http, first["id"]!.GetValue<string>()),
            JobClient.WaitFinalAsync(tenant.Http, second["id"]!.GetValue<string>()));
        Assert.All(jobs, j => Assert.Equal("succeeded", j["status"]!.GetValue<string>()));
        Assert.Contains(jobs, j => BlackBoxJobs.Long(j["result"]!["calls"]!["probe"]) > 0);

        var shown = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/endpoints/{endpoint}"))!;
        var capabilities = shown["capabilities"]!;
        Assert.NotNull(shown["probed_at"]);
        Assert.Equal("regenerate_top_logprobs", capabilities["scoring_mode"]!.GetValue<string>());
        Assert.True(capabilities["chat_logprobs"]!.GetValue<bool>());
        Assert.False(capabilities["completions_echo"]!.GetValue<bool>());

        // The next job plans and runs on the stored probe: no probe calls, and the endpoint saw exactly the calls billed.
        int before = BlackBoxJobs.Routes(api).Calls(Host);
        var third = await JobClient.RunAsync(tenant.Http, "/v1/attributions", Attribution(endpoint));
        Assert.Equal(0, BlackBoxJobs.Long(third["result"]!["calls"]!["probe"]));
        Assert.Equal(BlackBoxJobs.Routes(api).Calls(Host) - before, BlackBoxJobs.Long(third["usage"]!["endpoint_calls"]));
        // Reserved at the plan's budget alone (planned and half again), without the 10 an unprobed endpoint adds.
        long planned = BlackBoxJobs.Long(third["result"]!["calls"]!["planned"]);
        Assert.Equal(planned + Math.Max(10, planned / 2), BlackBoxJobs.Long(third["usage"]!["reserved_endpoint_calls"]));
    }

    [Fact]
    public async Task Of_many_writers_at_once_exactly_one_stores_and_its_notes_lose_the_key()
    {
        var tenant = await api.NewTenantAsync();
        var endpoint = await RegisterAsync(tenant, "93.184.216.42", new OpenAiChatDouble());
        var endpoints = api.Factory.Services.GetRequiredService<ITenantEndpoints>();
        var tenantId = TestEndpoints.TenantGuid(tenant.Id);
        var found = (await endpoints.FindAsync(tenantId, endpoint, CancellationToken.None))!;
        Assert.Null(found.Capabilities);

        // Eight probes finishing together, each with its own note (and the key quoted, as a refusing endpoint does).
        var writes = Enumerable.Range(0, 8).Select(i => endpoints.StoreProbeAsync(tenantId, found,
            BlackBoxJobs.ChatOnly with { Notes = [$"writer {i}: completions refused: Incorrect API key provided: {Key}"] }, CancellationToken.None));
        var stored = await Task.WhenAll(writes);
        Assert.Single(stored, s => s);

        var winner = Array.IndexOf(stored, true);
        var now = (await endpoints.FindAsync(tenantId, endpoint, CancellationToken.None))!.Capabilities!;
        Assert.Equal([$"writer {winner}: completions refused: Incorrect API key provided: {SecretRedaction.Mark}"], now.Notes);
        var shown = await tenant.Http.GetStringAsync($"/v1/endpoints/{endpoint}");
        Assert.DoesNotContain("writeback-0123", shown);
        Assert.Contains($"writer {winner}", shown);

        // An explicit probe later still replaces it (the probe route always stores); a job's write never does.
        Assert.False(await endpoints.StoreProbeAsync(tenantId, found, BlackBoxJobs.ChatOnly, CancellationToken.None));
    }

    [Fact]
    public async Task A_probe_of_a_model_patched_away_meanwhile_is_not_stored_nor_one_that_found_nothing_usable()
    {
        var tenant = await api.NewTenantAsync();
        var endpoint = await RegisterAsync(tenant, "93.184.216.43", new OpenAiChatDouble(), model: "old-model");
        var endpoints = api.Factory.Services.GetRequiredService<ITenantEndpoints>();
        var tenantId = TestEndpoints.TenantGuid(tenant.Id);
        var probedOld = (await endpoints.FindAsync(tenantId, endpoint, CancellationToken.None))!;

        var patched = await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{endpoint}", new { model = "new-model" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False(await endpoints.StoreProbeAsync(tenantId, probedOld, BlackBoxJobs.ChatOnly, CancellationToken.None));
        Assert.Null((await endpoints.FindAsync(tenantId, endpoint, CancellationToken.None))!.Capabilities);

        var probedNew = (await endpoints.FindAsync(tenantId, endpoint, CancellationToken.None))!;
        var nothing = BlackBoxJobs.ChatOnly with { ChatLogprobs = false, TopLogprobs = 0, DeterministicAtTemperatureZero = null };
        Assert.False(await endpoints.StoreProbeAsync(tenantId, probedNew, nothing, CancellationToken.None));
        // Another tenant's write to this endpoint finds nothing.
        var other = await api.NewTenantAsync();
        Assert.False(await endpoints.StoreProbeAsync(TestEndpoints.TenantGuid(other.Id), probedNew, BlackBoxJobs.ChatOnly, CancellationToken.None));
        Assert.Null((await endpoints.FindAsync(tenantId, endpoint, CancellationToken.None))!.Capabilities);
        Assert.True(await endpoints.StoreProbeAsync(tenantId, probedNew, BlackBoxJobs.ChatOnly, CancellationToken.None));
    }
}
