using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Api.Viewer;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LeapEngine.Api.Tests.Viewer;

/// <summary>
/// The viewer's session over HTTP (its browser tests are in LeapEngine.Viewer.Tests): the key kept server-side in an
/// HttpOnly SameSite=Strict cookie, the session reading the API as that key, antiforgery and same-origin on every
/// change, revocation and sign-out taking effect at once, and a page policy without inline script.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ViewerSessionTests(ApiFixture api)
{
    /// <summary>A browser: its own cookie jar, no Authorization header, and the Sec-Fetch-Site a browser sends.</summary>
    private sealed class Browser(HttpClient http)
    {
        public HttpClient Http { get; } = http;
        public string CsrfHeader { get; private set; } = "";
        public string CsrfToken { get; private set; } = "";

        public async Task<JsonObject> SessionAsync()
        {
            var session = (await Http.GetFromJsonAsync<JsonObject>(ViewerEndpoints.SessionPath))!;
            CsrfHeader = session["csrf_header"]!.GetValue<string>();
            CsrfToken = session["csrf_token"]!.GetValue<string>();
            return session;
        }

        public Task<HttpResponseMessage> PostAsync(string path, object? body = null, string? bearer = null, bool token = true,
            string site = "same-origin")
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (token) request.Headers.Add(CsrfHeader, CsrfToken);
            if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            request.Headers.Add("Sec-Fetch-Site", site);
            return Http.SendAsync(request);
        }
    }

    private Browser NewBrowser() => new(api.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true }));

    private async Task<(Browser, Tenant, HttpResponseMessage)> SignedInAsync()
    {
        var tenant = await api.NewTenantAsync();
        var browser = NewBrowser();
        await browser.SessionAsync();
        var signIn = await browser.PostAsync(ViewerEndpoints.SessionPath, bearer: tenant.Key);
        Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        return (browser, tenant, signIn);
    }

    [Fact]
    public async Task Pages_are_index_html_under_a_policy_without_inline_script_and_a_missing_asset_is_a_404()
    {
        var client = api.Client(null);
        foreach (var path in new[] { "/app", "/app/jobs", "/app/jobs/job_0123", "/app/dictionaries/dict_x" })
        {
            var page = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<script type=\"module\" src=\"/app/js/app.js\"></script>", await page.Content.ReadAsStringAsync());
            Assert.Equal(SecurityHeadersMiddleware.ViewerPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        }
        Assert.DoesNotContain("unsafe-inline", SecurityHeadersMiddleware.ViewerPolicy);
        Assert.DoesNotContain("unsafe-eval", SecurityHeadersMiddleware.ViewerPolicy);
        var script = await client.GetAsync("/app/js/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        var missing = await client.GetAsync("/app/js/no-such-module.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        // No page script writes HTML from data: every text goes in as a text node.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "LeapEngine.sln"))) root = root.Parent!;
        var assets = Path.Combine(root.FullName, "src/LeapEngine.Api/Viewer/Assets");
        foreach (var file in Directory.EnumerateFiles(assets, "*.js", SearchOption.AllDirectories))
        {
            var code = await File.ReadAllTextAsync(file);
            foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function" })
                Assert.False(code.Contains(sink, StringComparison.Ordinal), $"{Path.GetFileName(file)} uses {sink}");
        }
    }

    [Fact]
    public async Task Sign_in_keeps_the_key_in_an_HttpOnly_strict_cookie_and_the_session_reads_the_API_as_that_key()
    {
        var (browser, tenant, signIn) = await SignedInAsync();
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ViewerSession.CookieName + "="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(tenant.Key[14..], cookie);           // the secret is only inside the encrypted ticket

        var session = await browser.SessionAsync();
        Assert.True(session["signed_in"]!.GetValue<bool>());
        Assert.Equal(tenant.Id, session["tenant"]!.GetValue<string>());
        Assert.Equal(tenant.Key[..13], session["key_prefix"]!.GetValue<string>());
        Assert.DoesNotContain(tenant.Key[14..], session.ToJsonString());

        var mine = await tenant.Http.PostAsJsonAsync("/v1/generations", new { prompt = "Once", max_tokens = 1 });
        var jobId = (await mine.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var listed = (await browser.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!;
        Assert.Equal(jobId, listed["data"]![0]!["id"]!.GetValue<string>());
        // Another tenant's session sees the job exactly as a missing one.
        var (stranger, _, _) = await SignedInAsync();
        var foreign = await stranger.Http.GetAsync($"/v1/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/v1/jobs/job_{Guid.NewGuid():N}")).StatusCode);
    }

    [Fact]
    public async Task Changes_through_a_session_need_the_antiforgery_token_and_the_same_origin()
    {
        var (browser, _, _) = await SignedInAsync();
        var body = new { prompt = "Once", max_tokens = 1 };
        var noToken = await browser.PostAsync("/v1/generations", body, token: false);
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        Assert.Contains("antiforgery", (await noToken.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        var crossSite = await browser.PostAsync("/v1/generations", body, site: "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Contains("same origin", (await crossSite.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        var sameSite = await browser.PostAsync("/v1/generations", body, site: "same-site");   // a sibling subdomain is not this origin
        Assert.Equal(HttpStatusCode.Forbidden, sameSite.StatusCode);
        var accepted = await browser.PostAsync("/v1/generations", body);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        // A token from another browser's session does not do.
        var other = NewBrowser();
        await other.SessionAsync();
        var borrowed = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = JsonContent.Create(body) };
        borrowed.Headers.Add(browser.CsrfHeader, other.CsrfToken);
        borrowed.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Http.SendAsync(borrowed)).StatusCode);
        // Sign-in and sign-out are changes too.
        var fresh = NewBrowser();
        await fresh.SessionAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await fresh.PostAsync(ViewerEndpoints.SessionPath, bearer: LeapApiFactory.OperatorKey, token: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostAsync("/app/session/sign-out", token: false)).StatusCode);
    }

    [Fact]
    public async Task Sign_in_refuses_missing_wrong_operator_and_read_less_keys_with_problems()
    {
        var browser = NewBrowser();
        await browser.SessionAsync();
        var none = await browser.PostAsync(ViewerEndpoints.SessionPath);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        var wrong = await browser.PostAsync(ViewerEndpoints.SessionPath, bearer: "leap_nosuchke_" + new string('a', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("the API key is not valid", (await wrong.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        var operatorKey = await browser.PostAsync(ViewerEndpoints.SessionPath, bearer: LeapApiFactory.OperatorKey);
        Assert.Equal(HttpStatusCode.Forbidden, operatorKey.StatusCode);
        var tenant = await api.NewTenantAsync();
        var created = await tenant.Http.PostAsJsonAsync("/v1/keys", new { name = "w", scopes = new[] { "write" } });
        var writeOnly = (await created.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostAsync(ViewerEndpoints.SessionPath, bearer: writeOnly)).StatusCode);
        Assert.False((await browser.SessionAsync())["signed_in"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_revoked_key_ends_its_sessions_at_once_and_sign_out_forgets_the_session()
    {
        var (browser, tenant, _) = await SignedInAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/v1/usage")).StatusCode);
        var (second, secondTenant, _) = await SignedInAsync();

        var signOut = await browser.PostAsync("/app/session/sign-out");
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.False((await browser.SessionAsync())["signed_in"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/v1/usage")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.GetAsync("/v1/usage")).StatusCode);   // the key itself still works

        var keys = (await secondTenant.Http.GetFromJsonAsync<JsonObject>("/v1/keys"))!["data"]!.AsArray();
        var keyId = keys.Single(k => secondTenant.Key.StartsWith(k!["prefix"]!.GetValue<string>()))!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await api.Operator.PostAsync($"/v1/admin/keys/{keyId}/revoke", null)).StatusCode);
        var revoked = await second.Http.GetAsync("/v1/usage");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal("the API key was revoked", (await revoked.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
    }
}
