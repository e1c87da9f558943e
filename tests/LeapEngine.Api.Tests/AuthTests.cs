using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(ApiFixture api)
{
    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    [InlineData("leap_abcdefgh_0000000000000000000000000000000000000000000")]
    public async Task Missing_malformed_or_unknown_keys_get_401_problems(string? key)
    {
        var client = api.Client(key);
        foreach (var (method, path) in new[] { ("GET", "/v1/jobs"), ("POST", "/v1/generations"), ("GET", "/v1/usage"), ("GET", "/v1/admin/tenants") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST") request.Content = ApiFixture.Json(new { prompt = "x" });
            var response = await client.SendAsync(request);
            await JobClient.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task A_key_with_the_right_prefix_and_a_wrong_secret_is_refused()
    {
        var tenant = await api.NewTenantAsync();
        var forged = tenant.Key[..14] + new string('A', tenant.Key.Length - 14);
        var response = await api.Client(forged).GetAsync("/v1/usage");
        await JobClient.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Revoked_keys_fail_at_once_and_expired_keys_fail()
    {
        var tenant = await api.NewTenantAsync();
        var created = await tenant.Http.PostAsync("/v1/keys", ApiFixture.Json(new { name = "ci", scopes = new[] { "read" } }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var second = api.Client(body["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/v1/usage")).StatusCode);

        var keys = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/keys"))!["data"]!.AsArray();
        Assert.Equal(2, keys.Count);
        Assert.DoesNotContain(keys, k => k!.ToJsonString().Contains(body["key"]!.GetValue<string>()));   // secrets are never listed

        var revoke = await tenant.Http.PostAsync($"/v1/keys/{body["id"]}/revoke", null);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        var after = await second.GetAsync("/v1/usage");
        await JobClient.AssertProblemAsync(after, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync());

        // Expiry: move the tenant's own key's expiry into the past.
        var prefix = tenant.Key[..13];
        api.Db(db => db.ApiKeys.Where(k => k.Prefix == prefix)
            .ExecuteUpdate(s => s.SetProperty(k => k.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));
        var expired = await tenant.Http.GetAsync("/v1/usage");
        await JobClient.AssertProblemAsync(expired, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Scopes_and_roles_are_enforced()
    {
        var tenant = await api.NewTenantAsync();
        var created = await tenant.Http.PostAsync("/v1/keys", ApiFixture.Json(new { scopes = new[] { "read" } }));
        var readOnly = api.Client((await created.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await readOnly.GetAsync("/v1/jobs")).StatusCode);
        await JobClient.AssertProblemAsync(await JobClient.PostGenerationAsync(readOnly, new { prompt = "x" }),
            HttpStatusCode.Forbidden, "forbidden");

        // Tenants cannot use operator routes; the operator cannot act as a tenant.
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/admin/tenants"), HttpStatusCode.Forbidden, "forbidden");
        await JobClient.AssertProblemAsync(await api.Operator.GetAsync("/v1/jobs"), HttpStatusCode.Forbidden, "forbidden");

        // No escalation: a write-only key cannot mint a key that can also read.
        var writeOnlyResponse = await tenant.Http.PostAsync("/v1/keys", ApiFixture.Json(new { scopes = new[] { "write" } }));
        var writeOnly = api.Client((await writeOnlyResponse.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>());
        await JobClient.AssertProblemAsync(await writeOnly.PostAsync("/v1/keys", ApiFixture.Json(new { scopes = new[] { "read", "write" } })),
            HttpStatusCode.Forbidden, "forbidden");
        await JobClient.AssertProblemAsync(await writeOnly.PostAsync("/v1/keys", ApiFixture.Json(new { name = "default scopes" })),
            HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Created,
            (await writeOnly.PostAsync("/v1/keys", ApiFixture.Json(new { scopes = new[] { "write" } }))).StatusCode);

        var badScope = await tenant.Http.PostAsync("/v1/keys", ApiFixture.Json(new { scopes = new[] { "admin" } }));
        await JobClient.AssertProblemAsync(badScope, HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Stored_keys_are_hashes_not_secrets()
    {
        var tenant = await api.NewTenantAsync();
        var prefix = tenant.Key[..13];
        var row = api.Db(db => db.ApiKeys.AsNoTracking().Single(k => k.Prefix == prefix));
        Assert.Equal(32, row.Hash.Length);
        Assert.DoesNotContain(tenant.Key[14..], Convert.ToBase64String(row.Hash) + row.Prefix + row.Name);
        Assert.Matches("^leap_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$", tenant.Key);
    }

    [Fact]
    public async Task Dashboard_is_for_operators_only()
    {
        var anonymous = await api.Client(null).GetAsync("/jobs-dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var tenant = await api.NewTenantAsync();
        var asTenant = await tenant.Http.GetAsync("/jobs-dashboard");
        Assert.True(asTenant.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);

        var browser = api.Client(null);
        browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:" + LeapApiFactory.OperatorKey)));
        var asOperator = await browser.GetAsync("/jobs-dashboard");
        Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);
        Assert.Contains("LeapEngine jobs", await asOperator.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Operator_manages_tenants_and_plans()
    {
        var plans = (await api.Operator.GetFromJsonAsync<JsonObject>("/v1/admin/plans"))!["data"]!.AsObject();
        Assert.True(plans.ContainsKey("free") && plans.ContainsKey("pro"));
        var tenant = await api.NewTenantAsync("free");
        var patched = await api.Operator.PatchAsync($"/v1/admin/tenants/{tenant.Id}", ApiFixture.Json(new { plan = "pro" }));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("pro", (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!["plan"]!.GetValue<string>());
        var unknown = await api.Operator.PatchAsync($"/v1/admin/tenants/{tenant.Id}", ApiFixture.Json(new { plan = "gold" }));
        await JobClient.AssertProblemAsync(unknown, HttpStatusCode.BadRequest, "invalid-request");
        // Creating POSTs of the operator honour Idempotency-Key too.
        async Task<HttpResponseMessage> CreateOnce()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/tenants") { Content = ApiFixture.Json(new { name = "Once", plan = "free" }) };
            request.Headers.Add("Idempotency-Key", $"tenant-{tenant.Id}");
            return await api.Operator.SendAsync(request);
        }
        var a = await CreateOnce();
        var b = await CreateOnce();
        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(await a.Content.ReadAsStringAsync(), await b.Content.ReadAsStringAsync());
        Assert.Equal("true", b.Headers.GetValues("Idempotent-Replayed").Single());

        var missing = await api.Operator.GetAsync($"/v1/admin/tenants/ten_{Guid.NewGuid():N}");
        await JobClient.AssertProblemAsync(missing, HttpStatusCode.NotFound, "not-found");
    }
}
