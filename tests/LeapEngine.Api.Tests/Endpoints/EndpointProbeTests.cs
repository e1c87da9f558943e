using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests.BlackBox;

namespace LeapEngine.Api.Tests.Endpoints;

/// <summary>
/// POST /v1/endpoints/{id}/probe over real sockets, from an API that allows loopback (as an operator would allow a
/// cluster range): LeapEngine's own /v1 routes offer teacher forcing; a double that behaves like today's OpenAI chat API
/// gets regenerate_top_logprobs; refused addresses (DNS rebinding included), dead endpoints and refused keys come back
/// as problems, never 500s; the probe is metered in endpoint calls and refused when the month has too few left.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class EndpointProbeTests(ApiFixture api)
{
    private async Task<(EndpointHosts Hosts, Tenant Tenant)> TenantAsync(string plan = "test")
    {
        var hosts = await api.EndpointHostsAsync();
        return (hosts, await ApiFixture.NewTenantAsync(hosts.Main, plan));
    }

    private static async Task<string> RegisterAsync(Tenant tenant, object body)
    {
        var response = await tenant.Http.PostAsJsonAsync("/v1/endpoints", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    private static async Task<JsonObject> ProbeOkAsync(Tenant tenant, string id)
    {
        var response = await tenant.Http.PostAsync($"/v1/endpoints/{id}/probe", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<JsonObject> UsageAsync(Tenant tenant) => (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;

    /// <summary>Eight generations of stories260K through the API's own routes, over real sockets (0.4 s on the quiet CI machine).</summary>
    [Fact]
    public async Task LeapEngines_own_routes_offer_teacher_forcing_and_the_probe_is_metered_in_endpoint_calls()
    {
        var (hosts, tenant) = await TenantAsync();
        var id = await RegisterAsync(tenant, new { base_url = new Uri(hosts.MainAddress, "v1").ToString(), model = "stories260K", api_key = tenant.Key });
        var probed = await ProbeOkAsync(tenant, id);
        var caps = probed["capabilities"]!.AsObject();
        Assert.True(caps["completions_echo"]!.GetValue<bool>(), caps.ToJsonString());
        Assert.True(caps["prompt_logprobs"]!.GetValue<bool>(), caps.ToJsonString());
        Assert.True(caps["deterministic_at_temperature_zero"]!.GetValue<bool>());
        Assert.Equal("teacher_forced", caps["scoring_mode"]!.GetValue<string>());
        long calls = caps["calls"]!.GetValue<long>();
        Assert.InRange(calls, 5, 10);
        Assert.NotNull(probed["probed_at"]);
        // Stored: a read shows the same capabilities.
        var read = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/endpoints/{id}"))!;
        Assert.Equal(caps.ToJsonString(), read["capabilities"]!.ToJsonString());
        // Charged what it made, nothing left reserved.
        var usage = await UsageAsync(tenant);
        Assert.Equal(calls, usage["used_endpoint_calls"]!.GetValue<long>());
        Assert.Equal(0, usage["reserved_endpoint_calls"]!.GetValue<long>());
        // A model change voids the probe.
        var patched = await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { model = "stories260K-hf" });
        Assert.Null((await patched.Content.ReadFromJsonAsync<JsonObject>())!["capabilities"]);
    }

    [Fact]
    public async Task An_OpenAI_like_chat_endpoint_gets_regenerate_top_logprobs()
    {
        var (_, tenant) = await TenantAsync();
        using var server = new HandlerServer(new OpenAiChatDouble());
        var id = await RegisterAsync(tenant, new { base_url = server.BaseUrl, model = "gpt-4o-mini", api_key = "sk-double-0123456789" });
        var caps = (await ProbeOkAsync(tenant, id))["capabilities"]!.AsObject();
        Assert.True(caps["chat_logprobs"]!.GetValue<bool>());
        Assert.Equal(20, caps["top_logprobs"]!.GetValue<int>());
        Assert.False(caps["completions_echo"]!.GetValue<bool>());
        Assert.False(caps["prompt_logprobs"]!.GetValue<bool>());
        Assert.False(caps["tokenize"]!.GetValue<bool>());
        Assert.Equal("regenerate_top_logprobs", caps["scoring_mode"]!.GetValue<string>());
        // The endpoint's own words say why the rest is missing.
        Assert.Contains(caps["notes"]!.AsArray(), n => n!.GetValue<string>().Contains("completions with echo"));
    }

    [Fact]
    public async Task Addresses_outside_the_allowlist_are_refused_at_registration_and_at_connect_time()
    {
        var (_, tenant) = await TenantAsync();
        // Loopback is allowed here; metadata and private addresses are not, by literal or by name.
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PostAsJsonAsync("/v1/endpoints",
            new { base_url = "http://169.254.169.254/latest", model = "m" }), "base_url");
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PostAsJsonAsync("/v1/endpoints",
            new { base_url = $"http://{EndpointHosts.PrivateHost}/v1", model = "m" }), "base_url");
        // A name that resolved to a public address at registration and to the metadata service when called.
        var id = await RegisterAsync(tenant, new { base_url = $"http://{EndpointHosts.RebindingHost}/v1", model = "m" });
        var probe = await tenant.Http.PostAsync($"/v1/endpoints/{id}/probe", null);
        await JobClient.AssertProblemAsync(probe, (HttpStatusCode)422, "endpoint-refused");
        var problem = (await probe.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("169.254.169.254", problem["detail"]!.GetValue<string>());
        Assert.Equal("base_url", problem["field"]!.GetValue<string>());
        Assert.Null((await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/endpoints/{id}"))!["capabilities"]);
    }

    [Fact]
    public async Task A_dead_endpoint_and_a_refused_key_are_502_problems_that_say_what_to_fix()
    {
        var (_, tenant) = await TenantAsync();
        var dead = await RegisterAsync(tenant, new { base_url = $"http://127.0.0.1:{PostgresServer.FreePort()}/v1", model = "m" });
        var deadProbe = await tenant.Http.PostAsync($"/v1/endpoints/{dead}/probe", null);
        await JobClient.AssertProblemAsync(deadProbe, HttpStatusCode.BadGateway, "endpoint-failed");
        Assert.Equal("endpoint_unavailable", (await deadProbe.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());

        using var server = new HandlerServer(new KeyQuotingEndpoint());
        var key = $"sk-wrong-{Guid.NewGuid():N}";
        var refused = await RegisterAsync(tenant, new { base_url = server.BaseUrl, model = "m", api_key = key });
        var probe = await tenant.Http.PostAsync($"/v1/endpoints/{refused}/probe", null);
        await JobClient.AssertProblemAsync(probe, HttpStatusCode.BadGateway, "endpoint-failed");
        var text = await probe.Content.ReadAsStringAsync();
        var detail = JsonNode.Parse(text)!["detail"]!.GetValue<string>();
        Assert.Contains("check the endpoint's API key", detail);
        Assert.Contains("(401)", detail);
        Assert.Contains(SecretTests.Redacted, text);
        Assert.DoesNotContain(key, text);
        Assert.DoesNotContain(key[..8], text);
        Assert.Equal(0, (await UsageAsync(tenant))["reserved_endpoint_calls"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_probe_needs_its_most_calls_left_in_the_month()
    {
        var (_, tenant) = await TenantAsync("fewcalls");
        using var server = new HandlerServer(new OpenAiChatDouble());
        var id = await RegisterAsync(tenant, new { base_url = server.BaseUrl, model = "gpt-4o-mini" });
        var calls = (await ProbeOkAsync(tenant, id))["capabilities"]!["calls"]!.GetValue<long>();
        var usage = await UsageAsync(tenant);
        Assert.Equal(calls, usage["used_endpoint_calls"]!.GetValue<long>());
        Assert.Equal(15 - calls, usage["remaining_endpoint_calls"]!.GetValue<long>());
        // 15 a month; a probe reserves 10 and the first made more than 5.
        Assert.True(calls > 5, $"the double's probe made {calls} calls");
        await JobClient.AssertProblemAsync(await tenant.Http.PostAsync($"/v1/endpoints/{id}/probe", null), HttpStatusCode.PaymentRequired, "quota-exceeded");
        Assert.Equal(calls, (await UsageAsync(tenant))["used_endpoint_calls"]!.GetValue<long>());
    }
}
