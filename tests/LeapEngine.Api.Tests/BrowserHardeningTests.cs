using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Tests;

/// <summary>
/// What a browser may do with the API's answers: no framing, no sniffing, no referrer, nothing
/// cached (results and key secrets), a policy under which Swagger UI and the dashboard still
/// load (no inline script), and no cross-site request that changes anything on the dashboard.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BrowserHardeningTests(ApiFixture api)
{
    private HttpClient OperatorBrowser() => api.OperatorBrowser();   // its own cookie jar (the antiforgery cookie)

    private static void AssertSecurityHeaders(HttpResponseMessage response, string policy, string what)
    {
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{what}: no CSP");
        Assert.Equal(policy, csp.Single());
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Every_answer_carries_security_headers_and_is_not_cached()
    {
        var tenant = await api.NewTenantAsync();
        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["usage"] = await tenant.Http.GetAsync("/v1/usage"),
            ["health"] = await api.Client(null).GetAsync("/healthz"),
            ["401"] = await api.Client(null).GetAsync("/v1/jobs"),
            ["404"] = await tenant.Http.GetAsync("/v1/nothing-here"),
            ["400"] = await tenant.Http.PostAsync("/v1/generations", ApiFixture.RawJson("{")),
            ["openapi"] = await api.Client(null).GetAsync("/openapi/v1.json"),
        };
        foreach (var (what, response) in answers)
        {
            AssertSecurityHeaders(response, SecurityHeadersMiddleware.ApiPolicy, what);
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{what}: not no-store");
        }
    }

    /// <summary>A key's secret is shown once: never cached, and not stored for an Idempotency-Key replay either.</summary>
    [Fact]
    public async Task Answers_carrying_a_new_keys_secret_are_no_store_and_a_replay_does_not_show_it_again()
    {
        var tenant = await api.NewTenantAsync();
        async Task<HttpResponseMessage> Create()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/keys") { Content = ApiFixture.Json(new { name = "ci" }) };
            request.Headers.Add("Idempotency-Key", "secret-once");
            return await tenant.Http.SendAsync(request);
        }
        var first = await Create();
        var replay = await Create();
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        var created = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        var secret = created["key"]!.GetValue<string>();
        Assert.StartsWith("leap_", secret);
        var replayed = (await replay.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Null(replayed["key"]);
        Assert.Equal(created["id"]!.GetValue<string>(), replayed["id"]!.GetValue<string>());
        Assert.True(first.Headers.CacheControl?.NoStore == true && replay.Headers.CacheControl?.NoStore == true);
        var stored = await api.DbAsync(db => db.IdempotencyRecords.Select(r => r.ResponseBody ?? "").ToListAsync());
        Assert.DoesNotContain(stored, body => body.Contains(secret[14..]));
        var byOperator = await api.Operator.PostAsync($"/v1/admin/tenants/{tenant.Id}/keys", ApiFixture.Json(new { name = "ops" }));
        Assert.Equal(HttpStatusCode.Created, byOperator.StatusCode);
        Assert.True(byOperator.Headers.CacheControl?.NoStore == true);
    }

    /// <summary>Under the UI policy (script-src 'self'), a page works only if every script it runs is a same-origin file.</summary>
    [Theory]
    [InlineData("/docs/index.html", false)]
    [InlineData("/jobs-dashboard", true)]
    [InlineData("/jobs-dashboard/jobs/enqueued", true)]
    public async Task Swagger_ui_and_the_dashboard_get_a_policy_they_render_under(string path, bool asOperator)
    {
        var response = await (asOperator ? OperatorBrowser() : api.Client(null)).GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertSecurityHeaders(response, SecurityHeadersMiddleware.UiPolicy, path);
        var html = await response.Content.ReadAsStringAsync();
        var scripts = Regex.Matches(html, @"<script\b([^>]*)>(.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase);
        Assert.NotEmpty(scripts);
        foreach (Match script in scripts)
        {
            var src = Regex.Match(script.Groups[1].Value, @"src\s*=\s*[""']([^""']+)[""']");
            Assert.True(src.Success && script.Groups[2].Value.Trim().Length == 0, $"{path} has an inline script: {script.Value[..Math.Min(200, script.Value.Length)]}");
            Assert.False(src.Groups[1].Value.Contains("//"), $"{path} loads a script from another origin: {src.Groups[1].Value}");
        }
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);       // inline event handlers are scripts too
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData(null, null)]                                  // Basic credentials without any origin information
    public async Task A_cross_site_post_to_the_dashboard_with_basic_credentials_is_refused(string? header, string? value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/jobs-dashboard/jobs/failed/requeue")
        {
            Content = new FormUrlEncodedContent([new("jobs[]", "1")]),
        };
        if (header is not null) request.Headers.Add(header, value);
        var response = await OperatorBrowser().SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboards_own_posts_pass_with_same_origin_and_its_antiforgery_token()
    {
        var browser = OperatorBrowser();
        var page = await (await browser.GetAsync("/jobs-dashboard")).Content.ReadAsStringAsync();
        var headerName = Regex.Match(page, @"<meta name=""csrf-header"" content=""([^""]+)""").Groups[1].Value;
        var token = Regex.Match(page, @"<meta name=""csrf-token"" content=""([^""]+)""").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(headerName) || string.IsNullOrEmpty(token), "the dashboard page carries no antiforgery token");

        HttpRequestMessage Post(bool withToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/jobs-dashboard/jobs/failed/requeue")
            {
                Content = new FormUrlEncodedContent([new("jobs[]", "1")]),
            };
            request.Headers.Add("Sec-Fetch-Site", "same-origin");
            request.Headers.Add("Origin", "http://localhost");
            if (withToken) request.Headers.Add(headerName, token);
            return request;
        }
        // Same origin but no token (a page that could forge Sec-Fetch-Site does not exist, but belt and braces).
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(Post(withToken: false))).StatusCode);
        var accepted = await browser.SendAsync(Post(withToken: true));
        Assert.True(accepted.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK or (HttpStatusCode)422,
            $"the dashboard's own POST was refused: {(int)accepted.StatusCode}");
    }
}
