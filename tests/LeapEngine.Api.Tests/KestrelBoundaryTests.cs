using System.Net;
using System.Net.Sockets;
using System.Text;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Framework-level refusals on a real Kestrel: an over-long URL or oversized headers get a
/// problem+json that says what to fix (the app's limits sit below Kestrel's); what Kestrel
/// refuses before any middleware runs (a request it cannot parse, %00 in the path, a URL beyond
/// its own limit) is a bare 4xx, never a 5xx.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class KestrelBoundaryTests(ApiFixture api)
{
    private async Task<HttpClient> ClientAsync() => (await api.KestrelApiAsync()).CreateClient();

    [Fact]
    public async Task An_over_long_url_gets_a_414_problem()
    {
        var http = await ClientAsync();
        var response = await http.GetAsync("/healthz?q=" + new string('a', RequestTargetLimitMiddleware.MaxTargetChars + 100));
        await JobClient.AssertProblemAsync(response, HttpStatusCode.RequestUriTooLong, "uri-too-long");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Oversized_or_too_many_headers_get_a_431_problem()
    {
        var http = await ClientAsync();
        using var big = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        big.Headers.Add("X-Big", new string('b', RequestTargetLimitMiddleware.MaxHeaderBytes + 100));
        await JobClient.AssertProblemAsync(await http.SendAsync(big), HttpStatusCode.RequestHeaderFieldsTooLarge, "headers-too-large");

        using var many = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        for (int i = 0; i < RequestTargetLimitMiddleware.MaxHeaderCount + 10; i++) many.Headers.Add($"X-H{i}", "v");
        await JobClient.AssertProblemAsync(await http.SendAsync(many), HttpStatusCode.RequestHeaderFieldsTooLarge, "headers-too-large");
    }

    /// <summary>Requests Kestrel itself refuses: the status line of its answer (it closes the connection after it).</summary>
    [Theory]
    [InlineData("GET /v1/jobs/%00 HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")]
    public async Task Requests_kestrel_cannot_parse_get_a_4xx_never_a_5xx(string raw)
    {
        var factory = await api.KestrelApiAsync();
        var address = factory.CreateClient().BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(raw));
        var buffer = new byte[4096];
        int read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var status = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
        Assert.Matches(@"^HTTP/1\.1 4\d\d ", status);
    }
}
