using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Api.Tests;

/// <summary>The whole life of a generation job through the HTTP API, checked against the engine run directly.</summary>
[Collection(ApiCollection.Name)]
public sealed class GenerationJobTests(ApiFixture api)
{
    /// <summary>The engine's own generation, on the assembly's one stories260K (<see cref="EngineModel"/>).</summary>
    internal static int[] ExpectedTokens(string prompt, int maxTokens, bool stopAtEos = true) =>
        EngineModel.Use(model => model.Generate(prompt, new GenerationOptions { MaxNewTokens = maxTokens, StopAtEos = stopAtEos }));

    [Fact]
    public async Task Generation_runs_to_a_result_equal_to_the_engine_and_is_metered()
    {
        var tenant = await api.NewTenantAsync();
        var submitted = await JobClient.SubmitGenerationAsync(tenant.Http,
            new { model = "stories260K", prompt = "Once upon a time", max_tokens = 12, stop_at_eos = false });
        Assert.Equal("queued", submitted["status"]!.GetValue<string>());
        Assert.Equal("generation", submitted["type"]!.GetValue<string>());
        Assert.Equal("job", submitted["object"]!.GetValue<string>());

        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>());
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        var expected = ExpectedTokens("Once upon a time", 12, stopAtEos: false);
        var tokens = job["result"]!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray();
        Assert.Equal(expected, tokens);
        Assert.Equal("length", job["result"]!["finish_reason"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(job["result"]!["text"]!.GetValue<string>()));
        int promptTokens = job["result"]!["prompt_tokens"]!.GetValue<int>();
        Assert.Equal(promptTokens + 12, job["usage"]!["model_tokens"]!.GetValue<long>());
        Assert.Equal(12, job["progress"]!["done"]!.GetValue<long>());
        Assert.Equal("tokens", job["progress"]!["unit"]!.GetValue<string>());
        Assert.NotNull(job["started_at"]);
        Assert.NotNull(job["finished_at"]);

        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(promptTokens + 12, usage["used_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());
        Assert.Equal(1, usage["jobs_today"]!.GetValue<int>());
        Assert.Equal(1, usage["jobs_succeeded"]!.GetValue<int>());
    }

    [Fact]
    public async Task Events_stream_progress_then_done()
    {
        var tenant = await api.NewTenantAsync();
        var submitted = await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "The cat", max_tokens = 30, stop_at_eos = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{submitted["id"]}/events");
        using var response = await tenant.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string Event, JsonObject Data)>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ")) name = line[7..];
            else if (line.StartsWith("data: ")) events.Add((name!, JsonNode.Parse(line[6..])!.AsObject()));
        }
        Assert.True(events.Count >= 2, $"expected progress events and a done event, got {events.Count}");
        Assert.Equal("done", events[^1].Event);
        Assert.Equal("succeeded", events[^1].Data["status"]!.GetValue<string>());
        Assert.All(events[..^1], e => Assert.Equal("progress", e.Event));
        var done = events.Select(e => e.Data["progress"]!["done"]!.GetValue<long>()).ToList();
        Assert.Equal(done.Order(), done);                          // progress never goes back
        Assert.Contains(events, e => e.Data["status"]!.GetValue<string>() == "running");
    }

    [Fact]
    public async Task Running_job_is_cancelled_within_seconds_its_reservation_released_and_its_work_charged()
    {
        var tenant = await api.NewTenantAsync();
        // 400 tokens at 20 ms a step would take 8 s; cancelling must end it much sooner.
        var submitted = await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "Once", max_tokens = 400, stop_at_eos = false });
        var id = submitted["id"]!.GetValue<string>();
        await JobClient.PollAsync(tenant.Http, id, j => j["progress"]!["done"]!.GetValue<long>() >= 5, TimeSpan.FromSeconds(30));

        var started = DateTime.UtcNow;
        var cancel = await tenant.Http.PostAsync($"/v1/jobs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var job = await JobClient.WaitFinalAsync(tenant.Http, id, TimeSpan.FromSeconds(10));
        Assert.Equal("cancelled", job["status"]!.GetValue<string>());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "cancellation took too long");
        Assert.True(job["progress"]!["done"]!.GetValue<long>() < 400);
        Assert.Null(job["result"]);

        // Cancelling late is not free compute: the prompt and every token generated before the cancel are charged, no more.
        long used = job["usage"]!["model_tokens"]!.GetValue<long>();
        Assert.InRange(used, job["progress"]!["done"]!.GetValue<long>() + 1, job["usage"]!["reserved_model_tokens"]!.GetValue<long>() - 1);
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(used, usage["used_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());

        var again = await tenant.Http.PostAsync($"/v1/jobs/{id}/cancel", null);
        await JobClient.AssertProblemAsync(again, HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Jobs_list_pages_newest_first_with_filters()
    {
        var tenant = await api.NewTenantAsync();
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
            ids.Add((await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = $"Story {i}", max_tokens = 2 }))["id"]!.GetValue<string>());
        foreach (var id in ids) await JobClient.WaitFinalAsync(tenant.Http, id);
        ids.Reverse();

        var seen = new List<string>();
        string? after = null;
        while (true)
        {
            var page = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/jobs?limit=2{(after is null ? "" : $"&after={after}")}"))!;
            var data = page["data"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ToList();
            seen.AddRange(data);
            if (!page["has_more"]!.GetValue<bool>()) break;
            Assert.Equal(2, data.Count);
            after = page["last_id"]!.GetValue<string>();
        }
        Assert.Equal(ids, seen);

        var succeeded = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs?status=succeeded&type=generation&limit=100"))!;
        Assert.Equal(5, succeeded["data"]!.AsArray().Count);
        var none = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs?status=running"))!;
        Assert.Empty(none["data"]!.AsArray());
    }
}
