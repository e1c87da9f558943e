using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>Small helpers for the job routes, asserting the contract on the way.</summary>
public static class JobClient
{
    public static Task<JsonObject> SubmitGenerationAsync(HttpClient http, object body, string? idempotencyKey = null) =>
        SubmitAsync(http, "/v1/generations", body, idempotencyKey);

    /// <summary>POSTs a job-creating request and asserts 202 with a Location to poll.</summary>
    public static async Task<JsonObject> SubmitAsync(HttpClient http, string path, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = ApiFixture.Json(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {text}");
        var job = JsonNode.Parse(text)!.AsObject();
        Assert.Equal($"/v1/jobs/{job["id"]}", response.Headers.Location?.ToString());
        return job;
    }

    public static async Task<HttpResponseMessage> PostGenerationAsync(HttpClient http, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = ApiFixture.Json(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await http.SendAsync(request);
    }

    /// <summary>Submits, waits and asserts success; returns the finished job.</summary>
    public static async Task<JsonObject> RunAsync(HttpClient http, string path, object body)
    {
        var submitted = await SubmitAsync(http, path, body);
        var job = await WaitFinalAsync(http, submitted["id"]!.GetValue<string>());
        Assert.True(job["status"]!.GetValue<string>() == "succeeded", $"job did not succeed: {job.ToJsonString()}");
        return job;
    }

    public static async Task<JsonObject> GetAsync(HttpClient http, string id, int waitSeconds = 0)
    {
        var response = await http.GetAsync($"/v1/jobs/{id}?wait={waitSeconds}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Long-polls until the job is final (or <paramref name="timeout"/> passes).</summary>
    public static async Task<JsonObject> WaitFinalAsync(HttpClient http, string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var job = await GetAsync(http, id, waitSeconds: 10);
            var status = job["status"]!.GetValue<string>();
            if (status is "succeeded" or "failed" or "cancelled") return job;
            Assert.True(DateTime.UtcNow < deadline, $"job {id} still {status} after the timeout");
        }
    }

    /// <summary>Polls until <paramref name="until"/> holds for the job.</summary>
    public static async Task<JsonObject> PollAsync(HttpClient http, string id, Func<JsonObject, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await GetAsync(http, id);
            if (until(job)) return job;
            Assert.True(DateTime.UtcNow < deadline, $"job {id} never reached the expected state: {job.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal($"/problems/{type}", problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(problem["request_id"]?.GetValue<string>()), "problem without request_id");
        Assert.False(string.IsNullOrEmpty(problem["detail"]?.GetValue<string>()), "problem without detail");
    }

    /// <summary>A 400 invalid-request problem naming <paramref name="field"/> as the one to fix.</summary>
    public static async Task AssertInvalidFieldAsync(HttpResponseMessage response, string field, string? context = null)
    {
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        var actual = (await response.Content.ReadFromJsonAsync<JsonObject>())!["field"]?.GetValue<string>();
        Assert.True(field == actual, $"{context}: expected field '{field}', got '{actual}'");
    }
}
