using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;
using LeapEngine.Data;
using Tenant = LeapEngine.Api.Tests.Infrastructure.Tenant;
using Microsoft.EntityFrameworkCore;


namespace LeapEngine.Api.Tests.Lifecycle;

/// <summary>
/// Production shape, real processes: the API SIGKILLed while 30 submissions are in flight.
/// Every client retries with its own Idempotency-Key against the restarted API and gets 202;
/// there is exactly one job per key, and every job ends (a worker runs them) with the
/// reservations and slots released.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiKillTests(ApiFixture api)
{
    private const int Clients = 30;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_api_killed_mid_submit_loses_nothing_and_every_keyed_retry_gets_its_one_job()
    {
        var connection = await api.Postgres.CreateDatabaseAsync("leap_apikill");
        int port = PostgresServer.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Leap__Database__Provider"] = "postgres",
            ["Leap__Database__ConnectionString"] = connection,
            ["Leap__Api__RunWorkerInProcess"] = "false",
            ["Leap__Api__OperatorKey"] = LeapApiFactory.OperatorKey,
            ["Leap__Api__BootstrapFreeKey"] = "false",
            ["Leap__Models__ModelsDir"] = SharedFiles.ModelsDir,
            ["Leap__Jobs__IdempotencyTakeoverSeconds"] = "2",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        };
        foreach (var (key, value) in LeapApiFactory.Settings) environment[key.Replace(":", "__")] = value;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var bodies = Enumerable.Range(0, Clients).Select(i => new { prompt = $"Story {i}", max_tokens = 2 }).ToArray();

        Tenant tenant;
        using (var first = ChildProcess.Start("LeapEngine.Api", environment))
        {
            await first.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(90));
            tenant = await ApiFixture.NewTenantAsync(WithKey(http.BaseAddress, LeapApiFactory.OperatorKey), "test",
                key => WithKey(http.BaseAddress, key!));
            // Fire every submission, and kill the process while they are being handled.
            var inFlight = Enumerable.Range(0, Clients).Select(i => TryPostAsync(tenant.Http, bodies[i], $"k-{i}")).ToArray();
            await Task.Delay(150);
            first.Kill();
            var firstRound = await Task.WhenAll(inFlight);
            Assert.True(firstRound.Count(r => r is null) > 0, "the kill interrupted no submission; kill sooner");
        }

        using var second = ChildProcess.Start("LeapEngine.Api", environment);
        await second.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(90));
        var answered = new string[Clients];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (int i = 0; i < Clients; i++)
        {
            while (true)
            {
                var response = await TryPostAsync(tenant.Http, bodies[i], $"k-{i}");
                if (response?.StatusCode == HttpStatusCode.Accepted)
                {
                    answered[i] = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
                    break;
                }
                Assert.True(response is null || response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable,
                    $"retry {i} answered {(int?)response?.StatusCode}");
                Assert.True(DateTime.UtcNow < deadline, $"retry {i} never succeeded");
                await Task.Delay(250);
            }
        }

        // One job per key, and it is the one each retry was answered with.
        await using var db = Context(connection);
        var tenantId = FaultDrillApi.TenantId(tenant);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.TenantId == tenantId).ToListAsync();
        Assert.Equal(Clients, jobs.Count);
        for (int i = 0; i < Clients; i++)
            Assert.Equal($"job_{jobs.Single(j => j.IdempotencyKey == $"k-{i}").Id:N}", answered[i]);

        // Every job ends once a worker is there, and nothing stays reserved.
        using var worker = WorkerKillTests.StartWorker(connection, stepDelayMs: 0);
        foreach (var id in answered) Assert.Equal("succeeded", (await JobClient.WaitFinalAsync(tenant.Http, id, TimeSpan.FromSeconds(90)))["status"]!.GetValue<string>());
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());
        Assert.Equal(Clients, usage["jobs_today"]!.GetValue<int>());
        CampaignLog.Record("fault: API SIGKILLed mid-submit, keyed retries", Clients, 0);
    }

    private static async Task<HttpResponseMessage?> TryPostAsync(HttpClient http, object body, string key)
    {
        try
        {
            return await JobClient.PostGenerationAsync(http, body, key);
        }
        catch (HttpRequestException)
        {
            return null;   // the process died under the request, or is not listening yet
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static HttpClient WithKey(Uri baseAddress, string key)
    {
        var c = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return c;
    }

    private static LeapDbContext Context(string connection) =>
        new PostgresLeapDbContext(new DbContextOptionsBuilder<PostgresLeapDbContext>().UseNpgsql(connection).Options);
}
