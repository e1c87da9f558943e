using System.Net;
using System.Security.Claims;
using System.Text;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Hosting;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Plans;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Failed authentication is throttled per client address (429 with Retry-After, no key lookup
/// while it waits) and logged as a summary, not a line per attempt; operator keys are rate limited.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AbuseControlTests(ApiFixture api)
{
    private Task<HttpContext> GetUsage(string client, string key) =>
        api.Factory.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(client);
            c.Request.Method = "GET";
            c.Request.Path = "/v1/usage";
            c.Request.Headers.Authorization = "Bearer " + key;
        });

    private static async Task<string> BodyOf(HttpContext c)
    {
        return await new StreamReader(c.Response.Body, Encoding.UTF8).ReadToEndAsync();
    }

    /// <summary>Wrong secrets from one client until it is refused; asserts at least the configured 10 were checked first.</summary>
    private async Task<HttpContext> FailUntilThrottled(string client, string wrongKey)
    {
        int refused = 0;
        // A minute boundary may reset the window once, so allow two windows' worth.
        for (int i = 0; i < 21; i++)
        {
            var c = await GetUsage(client, wrongKey);
            if (c.Response.StatusCode == 429)
            {
                Assert.True(refused >= 10, $"throttled after only {refused} failures");
                return c;
            }
            Assert.Equal(401, c.Response.StatusCode);
            refused++;
        }
        Assert.Fail("21 wrong secrets from one client were never throttled");
        return null!;
    }

    [Fact]
    public async Task Failed_authentication_is_throttled_per_client_with_retry_after()
    {
        var tenant = await api.NewTenantAsync();
        var forged = tenant.Key[..14] + new string('A', tenant.Key.Length - 14);
        var limited = await FailUntilThrottled("203.0.113.7", forged);
        Assert.InRange(int.Parse(limited.Response.Headers.RetryAfter.ToString()), 1, 60);
        Assert.Equal("application/problem+json", limited.Response.ContentType);
        Assert.Contains("/problems/rate-limited", await BodyOf(limited));

        // While it waits, even the right key from that client is not checked; another client is not affected.
        Assert.Equal(429, (await GetUsage("203.0.113.7", tenant.Key)).Response.StatusCode);
        Assert.Equal(200, (await GetUsage("203.0.113.8", tenant.Key)).Response.StatusCode);
    }

    [Fact]
    public async Task Ipv6_clients_are_throttled_per_64_block_so_rotating_addresses_does_not_reset_the_count()
    {
        var tenant = await api.NewTenantAsync();
        int refused = 0;
        HttpContext? limited = null;
        for (int i = 1; i <= 21 && limited is null; i++)
        {
            var c = await GetUsage($"2001:db8:7:7::{i:x}", "leap_abcdefgh_0000000000000000000000000000000000000000000");
            if (c.Response.StatusCode == 429) limited = c;
            else refused++;
        }
        Assert.NotNull(limited);
        Assert.True(refused >= 10, $"throttled after only {refused} failures");
        Assert.Equal(429, (await GetUsage("2001:db8:7:7::ffff", tenant.Key)).Response.StatusCode);
        Assert.Equal(200, (await GetUsage("2001:db8:7:8::1", tenant.Key)).Response.StatusCode);
    }

    [Fact]
    public void Failed_authentications_are_logged_as_one_summary_line_per_period()
    {
        var logger = new CapturingLogger();
        var log = new AuthFailureLog(Options.Create(new ApiOptions()), logger);
        for (int i = 0; i < 300; i++) log.Record(IPAddress.Parse($"198.51.100.{i % 3}"), throttled: i >= 30);
        Assert.Empty(logger.Lines);
        log.Flush(TimeSpan.FromSeconds(60));
        var line = Assert.Single(logger.Lines);
        Assert.Contains("300 attempts (270 throttled) from 3 clients", line);
        log.Flush(TimeSpan.FromSeconds(60));
        Assert.Single(logger.Lines);                       // a quiet period writes nothing
    }

    [Fact]
    public async Task Operator_keys_are_rate_limited()
    {
        var middleware = new RateLimitMiddleware(_ => Task.CompletedTask, Options.Create(new PlansOptions()),
            Options.Create(new ApiOptions { OperatorRequestsPerMinute = 3 }), new LeapEngine.Api.Limits.InMemoryRateCounter(TimeProvider.System));
        HttpContext Operator(string keyId) => new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new(LeapClaims.Operator, "db"), new(LeapClaims.KeyId, keyId)], "test")),
        };
        var statuses = new List<int>();
        for (int i = 0; i < 8; i++)
        {
            var context = Operator("op-1");
            await middleware.InvokeAsync(context, null!);       // operators are not looked up in the database
            statuses.Add(context.Response.StatusCode);
        }
        // A minute boundary may reset the window once.
        Assert.Contains(429, statuses);
        Assert.True(statuses.TakeWhile(s => s == 200).Count() >= 3);
        var other = Operator("op-2");
        await middleware.InvokeAsync(other, null!);
        Assert.Equal(200, other.Response.StatusCode);
        Assert.Equal("3", other.Response.Headers["RateLimit-Limit"].ToString());
    }

    private sealed class CapturingLogger : ILogger<AuthFailureLog>
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
