using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests.Endpoints;

/// <summary>
/// /v1/endpoints on the shared API (no outbound allowlist, like production): register, list, read, change and delete;
/// every bad field a 400 naming it; addresses outside the public internet refused at registration; another tenant's
/// endpoint a 404 on every route; the plan's endpoint limit.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class EndpointCrudTests(ApiFixture api)
{
    /// <summary>A public address nobody is asked to reach: registration resolves nothing for a literal, and no test probes it.</summary>
    private const string PublicUrl = "https://93.184.216.34/v1";

    private static async Task<JsonObject> CreateAsync(HttpClient http, object body)
    {
        var response = await http.PostAsJsonAsync("/v1/endpoints", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal($"/v1/endpoints/{JsonNode.Parse(text)!["id"]}", response.Headers.Location?.OriginalString);
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task Register_read_list_change_and_delete_without_ever_showing_the_key()
    {
        var tenant = await api.NewTenantAsync();
        var created = await CreateAsync(tenant.Http, new
        {
            name = "prod chat", base_url = PublicUrl, model = "gpt-4o-mini", api_key = "sk-crud-0123456789",
            headers = new Dictionary<string, string> { ["OpenAI-Organization"] = "org-abcdef123456" }, max_concurrency = 8, timeout_seconds = 30,
        });
        var id = created["id"]!.GetValue<string>();
        Assert.StartsWith("ep_", id);
        Assert.Equal("endpoint", created["object"]!.GetValue<string>());
        Assert.Equal(PublicUrl, created["base_url"]!.GetValue<string>());
        Assert.Equal("gpt-4o-mini", created["model"]!.GetValue<string>());
        Assert.True(created["has_api_key"]!.GetValue<bool>());
        Assert.Equal(["OpenAI-Organization"], created["header_names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(8, created["max_concurrency"]!.GetValue<int>());
        Assert.Equal(30, created["timeout_seconds"]!.GetValue<int>());
        Assert.Null(created["capabilities"]);
        Assert.Null(created["probed_at"]);
        Assert.DoesNotContain("sk-crud", created.ToJsonString());
        Assert.DoesNotContain("org-abcdef", created.ToJsonString());

        var read = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/endpoints/{id}"))!;
        Assert.Equal(created.ToJsonString(), read.ToJsonString());

        // Defaults, and a second one to list.
        var plain = await CreateAsync(tenant.Http, new { base_url = PublicUrl, model = "m2" });
        Assert.False(plain["has_api_key"]!.GetValue<bool>());
        Assert.Equal(4, plain["max_concurrency"]!.GetValue<int>());
        Assert.Equal(60, plain["timeout_seconds"]!.GetValue<int>());
        Assert.Empty(plain["header_names"]!.AsArray());

        // Rotate the key, drop the headers, change the concurrency; name and model stay.
        var patch = await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { api_key = "sk-rotated-9876543210", headers = (object?)null, max_concurrency = 2 });
        var patched = (await patch.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.True(patched["has_api_key"]!.GetValue<bool>());
        Assert.Empty(patched["header_names"]!.AsArray());
        Assert.Equal(2, patched["max_concurrency"]!.GetValue<int>());
        Assert.Equal("prod chat", patched["name"]!.GetValue<string>());
        Assert.Equal("gpt-4o-mini", patched["model"]!.GetValue<string>());
        // The stored key is the new one (what a job would send).
        var endpoints = api.Factory.Services.GetRequiredService<LeapEngine.Jobs.Endpoints.ITenantEndpoints>();
        var tenantGuid = LeapEngine.Api.Contracts.PublicIds.Parse(tenant.Id, "ten")!.Value;
        var stored = await endpoints.FindAsync(tenantGuid, id, CancellationToken.None);
        Assert.Equal("sk-rotated-9876543210", stored!.Spec.ApiKey);
        Assert.Empty(stored.Spec.Headers);
        Assert.Equal(2, stored.Spec.MaxConcurrency);

        // Removing the key: null.
        var removed = (await (await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { api_key = (string?)null })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False(removed["has_api_key"]!.GetValue<bool>());

        var list = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints"))!;
        Assert.Equal([plain["id"]!.GetValue<string>(), id], list["data"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
        Assert.False(list["has_more"]!.GetValue<bool>());
        var page1 = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints?limit=1"))!;
        Assert.True(page1["has_more"]!.GetValue<bool>());
        var page2 = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/endpoints?limit=1&after={page1["last_id"]}"))!;
        Assert.Equal(id, page2["data"]![0]!["id"]!.GetValue<string>());
        Assert.False(page2["has_more"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Http.DeleteAsync($"/v1/endpoints/{id}")).StatusCode);
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync($"/v1/endpoints/{id}"), HttpStatusCode.NotFound, "not-found");
        await JobClient.AssertProblemAsync(await tenant.Http.DeleteAsync($"/v1/endpoints/{id}"), HttpStatusCode.NotFound, "not-found");
        Assert.Null(await endpoints.FindAsync(tenantGuid, id, CancellationToken.None));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"model": "m"}""", "base_url" },
        { """{"base_url": "not a url", "model": "m"}""", "base_url" },
        { """{"base_url": "ftp://93.184.216.34/v1", "model": "m"}""", "base_url" },
        { """{"base_url": "file:///etc/passwd", "model": "m"}""", "base_url" },
        { """{"base_url": "https://user:pw@93.184.216.34/v1", "model": "m"}""", "base_url" },
        { """{"base_url": "https://93.184.216.34/v1?key=1", "model": "m"}""", "base_url" },
        { """{"base_url": "https://93.184.216.34/v1"}""", "model" },
        { """{"base_url": "https://93.184.216.34/v1", "model": " "}""", "model" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "max_concurrency": 0}""", "max_concurrency" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "max_concurrency": 65}""", "max_concurrency" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "timeout_seconds": 0}""", "timeout_seconds" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "timeout_seconds": 601}""", "timeout_seconds" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "api_key": "has space"}""", "api_key" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "headers": {"Authorization": "Bearer x"}}""", "headers" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "headers": {"Content-Type": "text/plain"}}""", "headers" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "headers": {"bad name": "x"}}""", "headers" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "headers": {"X-A": "line\nbreak"}}""", "headers" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "headers": {"X-A": "1", "x-a": "2"}}""", "headers" },
        { """{"base_url": "https://93.184.216.34/v1", "model": "m", "colour": "red"}""", "$.colour" },
        // Not the public internet, and this API allows nothing else (no Leap:Outbound).
        { """{"base_url": "http://169.254.169.254/latest", "model": "m"}""", "base_url" },
        { """{"base_url": "http://127.0.0.1:8000/v1", "model": "m"}""", "base_url" },
        { """{"base_url": "http://[::ffff:127.0.0.1]:8000/v1", "model": "m"}""", "base_url" },
        { """{"base_url": "http://2130706433/v1", "model": "m"}""", "base_url" },
        { """{"base_url": "http://10.0.0.8/v1", "model": "m"}""", "base_url" },
        { """{"base_url": "http://localhost:8000/v1", "model": "m"}""", "base_url" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Every_bad_field_is_a_400_naming_it(string body, string field)
    {
        var tenant = await api.NewTenantAsync();
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PostAsync("/v1/endpoints", ApiFixture.RawJson(body)), field, body);
        Assert.Empty((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task A_refused_address_says_why_and_how_an_operator_allows_it()
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsJsonAsync("/v1/endpoints", new { base_url = "http://169.254.169.254/latest", model = "m" });
        var detail = (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>();
        Assert.Contains("link-local", detail);
        Assert.Contains("Leap:Outbound", detail);
    }

    [Fact]
    public async Task Patch_refuses_a_new_base_url_and_bad_values_and_changes_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await CreateAsync(tenant.Http, new { base_url = PublicUrl, model = "m", api_key = "sk-keep-0123456789" }))["id"]!.GetValue<string>();
        // The stored key must never follow a new URL: a write key that cannot read the secret could otherwise send it anywhere.
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { base_url = "https://198.51.100.7/v1" }), "base_url");
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { max_concurrency = 1000 }), "max_concurrency");
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { headers = new { Host = "evil" } }), "headers");
        await JobClient.AssertInvalidFieldAsync(await tenant.Http.PatchAsJsonAsync($"/v1/endpoints/{id}", new { api_key = "a\tb" }), "api_key");
        var now = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/endpoints/{id}"))!;
        Assert.Equal(PublicUrl, now["base_url"]!.GetValue<string>());
        Assert.Equal(4, now["max_concurrency"]!.GetValue<int>());
        Assert.Empty(now["header_names"]!.AsArray());
        Assert.True(now["has_api_key"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Another_tenants_endpoint_is_a_404_on_every_route_and_stays_untouched()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var id = (await CreateAsync(owner.Http, new { base_url = PublicUrl, model = "m", api_key = "sk-owner-0123456789" }))["id"]!.GetValue<string>();
        var routes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/v1/endpoints/{id}", null),
            (HttpMethod.Patch, $"/v1/endpoints/{id}", new { api_key = "sk-hijack-0123456789" }),
            (HttpMethod.Delete, $"/v1/endpoints/{id}", null),
            (HttpMethod.Post, $"/v1/endpoints/{id}/probe", null),
        };
        foreach (var (method, path, body) in routes)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            await JobClient.AssertProblemAsync(await other.Http.SendAsync(request), HttpStatusCode.NotFound, "not-found");
            var random = new HttpRequestMessage(method, path.Replace(id, $"ep_{Guid.NewGuid():N}")) { Content = body is null ? null : JsonContent.Create(body) };
            await JobClient.AssertProblemAsync(await other.Http.SendAsync(random), HttpStatusCode.NotFound, "not-found");
        }
        Assert.Empty((await other.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints"))!["data"]!.AsArray());
        await JobClient.AssertInvalidFieldAsync(await other.Http.GetAsync($"/v1/endpoints?after={id}"), "after");
        // Jobs see the same isolation through ITenantEndpoints.
        var endpoints = api.Factory.Services.GetRequiredService<LeapEngine.Jobs.Endpoints.ITenantEndpoints>();
        Assert.Null(await endpoints.FindAsync(LeapEngine.Api.Contracts.PublicIds.Parse(other.Id, "ten")!.Value, id, CancellationToken.None));
        var mine = await endpoints.FindAsync(LeapEngine.Api.Contracts.PublicIds.Parse(owner.Id, "ten")!.Value, id, CancellationToken.None);
        Assert.Equal("sk-owner-0123456789", mine!.Spec.ApiKey);
    }

    [Fact]
    public async Task Reads_need_the_read_scope_and_changes_the_write_scope()
    {
        var tenant = await api.NewTenantAsync();
        var readOnly = await tenant.Http.PostAsJsonAsync("/v1/keys", new { name = "ro", scopes = new[] { "read" } });
        var key = (await readOnly.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
        var reader = api.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/endpoints")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/v1/endpoints", new { base_url = PublicUrl, model = "m" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client(null).GetAsync("/v1/endpoints")).StatusCode);
    }

    [Fact]
    public async Task The_plans_endpoint_limit_is_a_409_and_deleting_one_makes_room()
    {
        var tenant = await api.NewTenantAsync("fewendpoints");
        var first = await CreateAsync(tenant.Http, new { base_url = PublicUrl, model = "a" });
        await CreateAsync(tenant.Http, new { base_url = PublicUrl, model = "b" });
        var third = await tenant.Http.PostAsJsonAsync("/v1/endpoints", new { base_url = PublicUrl, model = "c" });
        await JobClient.AssertProblemAsync(third, HttpStatusCode.Conflict, "conflict");
        Assert.Equal(2, (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints"))!["data"]!.AsArray().Count);
        await tenant.Http.DeleteAsync($"/v1/endpoints/{first["id"]}");
        await CreateAsync(tenant.Http, new { base_url = PublicUrl, model = "c" });
    }

    [Fact]
    public async Task A_tenant_on_a_plan_the_operator_removed_gets_the_same_403_here_as_on_jobs_and_serving()
    {
        // The invariant: one answer for a plan the configuration no longer has, not limits nobody chose on some routes.
        var tenant = await api.NewTenantAsync();
        var endpoint = await CreateAsync(tenant.Http, new { base_url = PublicUrl, model = "m" });
        var tenantId = Guid.ParseExact(tenant.Id["ten_".Length..], "N");
        await api.DbAsync(db => db.Tenants.Where(t => t.Id == tenantId)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Plan, "retired-plan")));
        const string detail = "the tenant's plan 'retired-plan' is not configured; ask the operator";
        foreach (var response in new[]
                 {
                     await tenant.Http.PostAsJsonAsync("/v1/endpoints", new { base_url = PublicUrl, model = "n" }),
                     await tenant.Http.PostAsync($"/v1/endpoints/{endpoint["id"]}/probe", null),
                     await tenant.Http.PostAsJsonAsync("/v1/generations", new { prompt = "Once", max_tokens = 2 }),
                     await tenant.Http.PostAsJsonAsync("/v1/completions", new { model = "stories260K", prompt = "Once", max_tokens = 2 }),
                 })
        {
            var problem = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode} {problem}");
            // A problem document's detail, or (the OpenAI routes) an OpenAI error's message.
            var json = JsonNode.Parse(problem)!;
            Assert.Equal(detail, (json["detail"] ?? json["error"]!["message"])!.GetValue<string>());
        }
        Assert.Single((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task An_idempotent_replay_returns_the_same_endpoint_and_creates_no_second()
    {
        var tenant = await api.NewTenantAsync();
        var body = new { base_url = PublicUrl, model = "m", api_key = "sk-idem-0123456789" };
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> Post()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/endpoints") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await tenant.Http.SendAsync(request);
        }
        var first = await Post();
        var replay = await Post();
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Single((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/endpoints"))!["data"]!.AsArray());
    }
}
