using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>
/// Base of the in-process endpoint doubles: routes POSTs by path to a handler that reads the
/// JSON body and answers JSON; records every call. No sockets: the client under test gets an
/// HttpClient over this handler.
/// </summary>
public abstract class JsonEndpoint : HttpMessageHandler
{
    public const string BaseUrl = "http://endpoint.test/v1";
    private int _calls;
    public int Calls => Volatile.Read(ref _calls);
    public List<string> Paths { get; } = [];

    /// <summary>Every call's Authorization header (null where a call carried none).</summary>
    public List<string?> Authorizations { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        lock (Paths)
        {
            Paths.Add(request.RequestUri!.AbsolutePath);
            Authorizations.Add(request.Headers.Authorization?.ToString());
        }
        var body = request.Content is null ? null : JsonNode.Parse(await request.Content.ReadAsStringAsync(ct));
        return await AnswerAsync(request.RequestUri!.AbsolutePath, body?.AsObject() ?? new JsonObject(), request, ct);
    }

    protected abstract Task<HttpResponseMessage> AnswerAsync(string path, JsonObject body, HttpRequestMessage request, CancellationToken ct);

    public static HttpResponseMessage Json(object value, HttpStatusCode status = HttpStatusCode.OK) => new(status)
    {
        Content = new StringContent(JsonSerializer.Serialize(value, OpenAiJson.Options), Encoding.UTF8, "application/json"),
    };

    public static HttpResponseMessage Error(HttpStatusCode status, string message) =>
        Json(new { error = new { message, type = "invalid_request_error" } }, status);

    public EndpointClient Client(CallBudget? budget = null, EndpointSpec? spec = null, EndpointClientOptions? options = null) =>
        new(new HttpClient(this, disposeHandler: false),
            spec ?? new EndpointSpec { BaseUrl = new Uri(BaseUrl), Model = "double", ApiKey = "sk-test-secret" },
            budget ?? CallBudget.Unlimited, options: options ?? new EndpointClientOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromSeconds(2) });
}
