using System.Net;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>SSRF by construction: which addresses are refused, in every spelling, and what the operator's allowlist opens.</summary>
public class OutboundPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("169.254.170.2", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.100.100.200", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("192.0.0.192", "IETF")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd00:ec2::254", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "written as IPv6")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")]
    [InlineData("2002:7f00:1::", "loopback")]
    [InlineData("::127.0.0.1", "loopback")]
    public void Non_public_addresses_are_refused_with_the_reason(string address, string reason)
    {
        var why = RefusedAddresses.Reason(IPAddress.Parse(address));
        Assert.NotNull(why);
        Assert.Contains(reason, why);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("104.18.6.192")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_pass(string address) => Assert.Null(RefusedAddresses.Reason(IPAddress.Parse(address)));

    [Fact]
    public void The_allowlist_opens_ranges_and_hosts_only()
    {
        var policy = OutboundPolicy.From(["10.20.0.0/16", "127.0.0.1"], ["vllm.internal"]);
        Assert.Null(policy.Refusal("x", IPAddress.Parse("10.20.3.4")));
        Assert.Null(policy.Refusal("x", IPAddress.Parse("::ffff:10.20.3.4")));
        Assert.Null(policy.Refusal("x", IPAddress.Parse("127.0.0.1")));
        Assert.NotNull(policy.Refusal("x", IPAddress.Parse("127.0.0.2")));
        Assert.NotNull(policy.Refusal("x", IPAddress.Parse("10.21.0.1")));
        Assert.Null(policy.Refusal("VLLM.internal.", IPAddress.Parse("10.99.0.1")));
        Assert.NotNull(policy.Refusal("other.internal", IPAddress.Parse("10.99.0.1")));
        Assert.Contains("from 0 to 32", Assert.Throws<ArgumentException>(() => OutboundPolicy.From(["10.0.0.0/33"], null)).Message);
        Assert.Contains("CIDR form", Assert.Throws<ArgumentException>(() => IpRange.Parse("not-an-ip/8")).Message);
    }

    private static EndpointClient Client(string baseUrl, OutboundPolicy policy, IHostResolver? resolver = null, EndpointClientOptions? options = null) =>
        new(new HttpClient(SafeHttpHandler.Create(policy, resolver)), new EndpointSpec { BaseUrl = new Uri(baseUrl), Model = "m", ApiKey = "sk-secret" },
            CallBudget.Unlimited, options: options ?? new EndpointClientOptions { MaxRetries = 0 });

    private static Task<ChatResponse> Chat(EndpointClient client) =>
        client.ChatAsync(new ChatRequest { Model = "m", Messages = [new ChatMessage("user", "hi")] }, CancellationToken.None);

    [Theory]
    [InlineData("http://127.0.0.1:{0}/v1")]
    [InlineData("http://localhost:{0}/v1")]
    [InlineData("http://2130706433:{0}/v1")]
    [InlineData("http://0x7f000001:{0}/v1")]
    [InlineData("http://0177.0.0.1:{0}/v1")]
    [InlineData("http://[::ffff:127.0.0.1]:{0}/v1")]
    public async Task EverySpellingOfLoopbackIsRefusedAtConnectTime(string url)
    {
        using var server = new TinyHttpServer();
        var e = await Assert.ThrowsAsync<EndpointException>(() => Chat(Client(string.Format(url, server.Port), OutboundPolicy.PublicOnly)));
        Assert.Equal(EndpointFailure.Refused, e.Failure);
        Assert.Equal("endpoint_refused", e.Code);
        Assert.Contains("loopback", e.Message);
        Assert.Contains("allow", e.Message);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task Allowlisted_loopback_is_reached()
    {
        using var server = new TinyHttpServer();
        var answer = await Chat(Client($"http://127.0.0.1:{server.Port}/v1", OutboundPolicy.From(["127.0.0.0/8"], null)));
        Assert.Equal("hi", answer.Choices![0].Message!.Content);
        Assert.Equal(1, server.Connections);
    }

    /// <summary>A name that resolves to a private address when called (whatever it resolved to before: DNS rebinding) is refused.</summary>
    [Fact]
    public async Task A_host_name_resolving_to_a_private_address_is_refused()
    {
        using var server = new TinyHttpServer();
        var resolver = new FakeResolver(new() { ["models.example.com"] = [IPAddress.Parse("10.0.0.5")], ["rebind.example.com"] = [IPAddress.Loopback] });
        var e = await Assert.ThrowsAsync<EndpointException>(() => Chat(Client("http://models.example.com/v1", OutboundPolicy.PublicOnly, resolver)));
        Assert.Equal(EndpointFailure.Refused, e.Failure);
        Assert.Contains("10.0.0.5: private", e.Message);
        e = await Assert.ThrowsAsync<EndpointException>(() => Chat(Client($"http://rebind.example.com:{server.Port}/v1", OutboundPolicy.PublicOnly, resolver)));
        Assert.Contains("loopback", e.Message);
        Assert.Equal(0, server.Connections);
        // The operator names the host: whatever it resolves to is accepted.
        var allowed = await Chat(Client($"http://rebind.example.com:{server.Port}/v1", OutboundPolicy.From(null, ["rebind.example.com"]), resolver));
        Assert.Equal("hi", allowed.Choices![0].Message!.Content);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_even_to_an_allowed_server()
    {
        using var server = new TinyHttpServer(302, "", "Location: http://169.254.169.254/latest/meta-data/\r\n");
        var e = await Assert.ThrowsAsync<EndpointException>(() => Chat(Client($"http://127.0.0.1:{server.Port}/v1", OutboundPolicy.From(["127.0.0.1/32"], null))));
        Assert.Equal(EndpointFailure.Redirect, e.Failure);
        Assert.Contains("169.254.169.254", e.Message);
        Assert.Contains("redirects are not followed", e.Message);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task An_oversized_answer_is_cut_off()
    {
        using var server = new TinyHttpServer(body: new string('x', 5000));
        var e = await Assert.ThrowsAsync<EndpointException>(() => Chat(Client($"http://127.0.0.1:{server.Port}/v1", OutboundPolicy.From(["127.0.0.1"], null),
            options: new EndpointClientOptions { MaxRetries = 0, MaxResponseBytes = 1024 })));
        Assert.Equal(EndpointFailure.ResponseTooLarge, e.Failure);
    }

    [Theory]
    [InlineData("ftp://example.com/v1", "http or https")]
    [InlineData("file:///etc/passwd", "http or https")]
    [InlineData("https://user:pw@example.com/v1", "user name or password")]
    [InlineData("https://example.com/v1?x=1", "query")]
    public void Only_plain_http_urls_are_accepted(string url, string message)
    {
        var spec = new EndpointSpec { BaseUrl = new Uri(url), Model = "m" };
        Assert.Contains(message, Assert.Throws<ArgumentException>(spec.Validate).Message);
    }

    private sealed class FakeResolver(Dictionary<string, IPAddress[]> names) : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
            Task.FromResult(names.TryGetValue(host, out var a) ? a : throw new System.Net.Sockets.SocketException(11001));
    }
}
