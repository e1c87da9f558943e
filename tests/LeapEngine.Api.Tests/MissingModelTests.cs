using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;

namespace LeapEngine.Api.Tests;

/// <summary>
/// A served model whose files are not on the server (offline, never provisioned) is never a 500: submission
/// answers a 503 problem naming the model and how to provide it, a worker that finds it missing fails the job
/// with model_unavailable, /readyz is not ready while no served model can load, and GET /v1/models says which
/// models are available.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MissingModelTests(ApiFixture api)
{
    private const string Absent = LeapApiFactory.AbsentModel;

    [Fact]
    public async Task Submitting_to_a_served_model_without_files_is_a_503_problem_that_names_it_and_how_to_provide_it()
    {
        var tenant = await api.NewTenantAsync();
        var response = await JobClient.PostGenerationAsync(tenant.Http, new { model = Absent, prompt = "Once upon a time", max_tokens = 4 },
            idempotencyKey: $"absent-{Guid.NewGuid():N}");
        await JobClient.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "model-unavailable");
        Assert.True(response.Headers.Contains("Retry-After"));
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(Absent, problem["model"]!.GetValue<string>());
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains($"'{Absent}'", detail);
        Assert.Contains("Leap:Models:ModelsDir", detail);
        Assert.Contains("Leap:Models:Offline=false", detail);
        Assert.DoesNotContain(SharedFiles.ModelsDir, detail);   // server paths go to the log, not to clients
    }

    [Fact]
    public async Task Models_list_says_which_served_models_are_available_and_where_their_files_are()
    {
        var tenant = await api.NewTenantAsync();
        var models = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/models"))!["data"]!.AsArray();
        var stories = models.Single(m => m!["id"]!.GetValue<string>() == "stories260K")!;
        Assert.True(stories["available"]!.GetValue<bool>());
        Assert.Equal("models_dir", stories["source"]!.GetValue<string>());
        Assert.Null(stories["error"]);
        var absent = models.Single(m => m!["id"]!.GetValue<string>() == Absent)!;
        Assert.False(absent["available"]!.GetValue<bool>());
        Assert.Null(absent["source"]);
        Assert.Contains("Leap:Models:ModelsDir", absent["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_worker_that_finds_the_model_missing_fails_the_job_with_model_unavailable_at_once()
    {
        // The API has stories260K-hf (it validates the request); the worker's models folder is empty.
        var (_, connection) = await api.ProductionApiAsync();
        var tenant = await api.NewProductionTenantAsync();
        var submitted = await JobClient.SubmitGenerationAsync(tenant.Http, new { model = "stories260K-hf", prompt = "Once upon a time", max_tokens = 4 });
        var id = submitted["id"]!.GetValue<string>();

        var emptyModels = Directory.CreateTempSubdirectory("leap-no-models-");
        try
        {
            // Only the hf class's queues: this worker takes no other test's jobs.
            using var worker = ChildProcess.Start("LeapEngine.Worker", new Dictionary<string, string>
            {
                ["Leap__Database__Provider"] = "postgres",
                ["Leap__Database__ConnectionString"] = connection,
                ["Leap__Models__ModelsDir"] = emptyModels.FullName,
                ["Leap__Models__Served__0__Id"] = "stories260K-hf",
                ["Leap__Models__Served__0__Class"] = LeapApiFactory.HfClass,
                ["Leap__Jobs__QueuePollIntervalSeconds"] = "0.2",
            });
            JsonObject done;
            try { done = await JobClient.WaitFinalAsync(tenant.Http, id, TimeSpan.FromSeconds(60)); }
            catch { Console.Error.WriteLine(worker.Output()); throw; }

            Assert.Equal("failed", done["status"]!.GetValue<string>());
            Assert.Equal("model_unavailable", done["error"]!["code"]!.GetValue<string>());
            var message = done["error"]!["message"]!.GetValue<string>();
            Assert.Contains("'stories260K-hf'", message);
            Assert.Contains("Leap:Models:ModelsDir", message);
            Assert.DoesNotContain(emptyModels.FullName, message);
            Assert.Equal(0, done["usage"]?["model_tokens"]?.GetValue<long>() ?? 0);
        }
        finally
        {
            emptyModels.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_server_whose_served_models_all_lack_files_is_not_ready_and_says_why_wherever_it_is_started()
    {
        var dataDir = Directory.CreateTempSubdirectory("leap-absent-");
        int port = PostgresServer.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["LEAP_DATA_DIR"] = "data",   // relative: under the working directory below
            ["LEAP_CACHE_DIR"] = Path.Combine(dataDir.FullName, "cache"),
            ["LEAP_MODELS_DIR"] = Path.Combine(dataDir.FullName, "models"),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Leap__Models__Served__0__Id"] = Absent,
            ["Leap__Plans__free__AllowedModels__0"] = Absent,
        };
        try
        {
            // Started elsewhere than its own folder: it still reads its appsettings.json (plans, served models) from there.
            using var server = ChildProcess.Start("LeapEngine.Api", environment, workingDirectory: dataDir.FullName);
            await server.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
            Assert.True(File.Exists(Path.Combine(dataDir.FullName, "data", "leap.db")), "LEAP_DATA_DIR=data did not resolve against the working directory");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            HttpResponseMessage ready;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonObject body;
            do   // the in-process worker's first heartbeat may take a moment; the model stays missing
            {
                ready = await http.GetAsync("/readyz");
                body = (await ready.Content.ReadFromJsonAsync<JsonObject>())!;
                if (body["workers"]!.GetValue<int>() > 0) break;
                await Task.Delay(100);
            } while (DateTime.UtcNow < deadline);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("not_ready", body["status"]!.GetValue<string>());
            Assert.True(body["database"]!.GetValue<bool>());
            Assert.Equal(0, body["models"]!.GetValue<int>());
            Assert.Contains("no served model can load", body["detail"]!.GetValue<string>());
            Assert.Contains(Absent, body["detail"]!.GetValue<string>());

            // The default model of a request is the first served one: the same problem, not a 500.
            var key = Regex.Match(server.Output(), @"free-tier key: (\S+)").Groups[1].Value;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var response = await JobClient.PostGenerationAsync(http, new { prompt = "Once upon a time", max_tokens = 4 });
            await JobClient.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "model-unavailable");
            Assert.DoesNotContain("fail:", server.Output());   // an operator's omission, not an error with a stack trace
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }
}
