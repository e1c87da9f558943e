using System.Net;
using System.Text;
using LeapEngine.Cli.Server;

namespace LeapEngine.Cli.Tests.Server;

/// <summary>
/// `leap jobs wait` over the event stream: a `reconnect` event (the server's maximum stream duration) or a stream that ends
/// without `done` is resumed with Last-Event-ID after re-reading the job; `revoked` is a refused key (exit 2).
/// </summary>
public sealed class JobFollowerTests
{
    private const string Running = """{"id":"job_1","status":"running","progress":{"done":1,"total":4,"unit":"tokens"}}""";

    private sealed class Server(params string[] streams) : HttpMessageHandler
    {
        public List<string?> LastEventIds { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            string body;
            if (request.RequestUri!.AbsolutePath.EndsWith("/events"))
            {
                LastEventIds.Add(request.Headers.TryGetValues("Last-Event-ID", out var v) ? v.Single() : null);
                body = streams[LastEventIds.Count - 1];
            }
            else body = Running;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8) });
        }
    }

    private static JobFollower Follower(Server server, StringWriter progress) =>
        new(new LeapApiClient(new Uri("http://leap.test/"), "k", TextWriter.Null, handler: server), new StatusLine(progress, inPlace: false));

    [Fact]
    public async Task A_reconnect_event_and_a_cut_stream_resume_from_the_last_event_id_until_done()
    {
        var server = new Server(
            $"retry: 1000\n\nid: 1\nevent: progress\ndata: {Running}\n\nid: 2\nevent: reconnect\ndata: {{\"reason\":\"max_duration\",\"retry_ms\":10}}\n\n",
            $"id: 3\nevent: progress\ndata: {Running}\n\n: keep-alive\n\n",   // ends without done
            """
            id: 4
            event: done
            data: {"id":"job_1","status":"succeeded","progress":{"done":4,"total":4,"unit":"tokens"}}


            """);
        var progress = new StringWriter();
        var job = await Follower(server, progress).FollowAsync("job_1", CancellationToken.None);
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        Assert.Equal([null, "2", "3"], server.LastEventIds);
        Assert.Contains("job_1: running 1/4 tokens (25%)", progress.ToString());
    }

    [Fact]
    public async Task A_revoked_event_is_a_refused_key()
    {
        var server = new Server("event: revoked\ndata: {\"type\":\"/problems/unauthorized\",\"detail\":\"the API key was revoked\"}\n\n");
        var e = await Assert.ThrowsAsync<ServerException>(() => Follower(server, new StringWriter()).FollowAsync("job_1", CancellationToken.None));
        Assert.Contains("revoked", e.Message);
    }
}
