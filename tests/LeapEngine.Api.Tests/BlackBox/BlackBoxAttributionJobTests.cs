using System.Net.Http.Json;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.Tests.BlackBox;

namespace LeapEngine.Api.Tests.BlackBox;

/// <summary>
/// POST /v1/attributions with an endpoint instead of a model: the job runs Core's black-box attribution against the
/// tenant's endpoint (here LeapEngine's own /v1 routes and an OpenAI-chat-like double), records the scoring mode, and
/// is metered in the endpoint calls it made: reserved at its budget, settled to the calls the endpoint received.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BlackBoxAttributionJobTests(ApiFixture api)
{
    private const string Story = "Lily had a red ball. She liked to play.";
    private const string Completion = " She was very happy";

    [Fact]   // every call runs stories260K through the API's own routes: 1.9 s on the quiet CI machine, so not Slow
    public async Task A_job_on_the_own_endpoint_equals_core_black_box_and_white_box_itp_and_bills_the_calls_made()
    {
        var tenant = await api.NewTenantAsync();
        // Never probed: the job probes first, and those calls are the job's.
        var endpoint = BlackBoxJobs.Endpoints(api).Add(tenant.Id, new EndpointSpec
            { BaseUrl = new Uri($"http://{EndpointRoutes.OwnHost}/v1"), Model = "stories260K", ApiKey = tenant.Key });
        int before = BlackBoxJobs.Routes(api).Calls(EndpointRoutes.OwnHost);

        var job = await JobClient.RunAsync(tenant.Http, "/v1/attributions", new
        {
            endpoint, messages = new[] { new { role = "user", content = Story } }, completion = Completion,
            unit = "word", perturbation = "remove", method = "itp", noise_samples = 1,
        });
        int calls = BlackBoxJobs.Routes(api).Calls(EndpointRoutes.OwnHost) - before;
        var result = job["result"]!;

        // The same request through Core directly, on a client of the same routes.
        var direct = new EndpointClient(new HttpClient(api.Factory.Server.CreateHandler()),
            new EndpointSpec { BaseUrl = new Uri(api.Factory.Server.BaseAddress, "v1"), Model = "stories260K", ApiKey = tenant.Key }, new CallBudget(200));
        var request = new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", Story)], Completion = Completion, Unit = "word", Perturbation = "remove", Method = "itp", NoiseSamples = 1,
        };
        var probed = await EndpointProbe.RunAsync(direct);
        var core = await BlackBoxAttribution.RunAsync(direct, probed, request);
        var white = EngineModel.Use(m => AttributionEngine.Run(m, new AttributionRequest
            { Text = Story, Template = "plain", Unit = "word", Perturbation = "remove", Completion = Completion, Method = "itp" }));

        Assert.Equal("blackbox_attribution", job["type"]!.GetValue<string>());
        Assert.Equal($"endpoint:{endpoint}", job["model"]!.GetValue<string>());
        Assert.Equal("black_box", result["kind"]!.GetValue<string>());
        Assert.Equal("teacher_forced", result["scoring_mode"]!.GetValue<string>());
        Assert.Equal(core.ScoringReason, result["scoring_reason"]!.GetValue<string>());
        var units = result["units"]!.AsArray();
        Assert.Equal(core.Units.Select(u => u.Text), units.Select(u => u!["text"]!.GetValue<string>()));
        for (int i = 0; i < core.Units.Count; i++)
        {
            double score = units[i]!["score"]!.GetValue<double>();
            Assert.Equal(core.Units[i].Score, score, 1e-9);
            Assert.True(Math.Abs(white.Units[i].Score - score) < 1e-4, $"unit {i}: white {white.Units[i].Score}, job {score}");
            Assert.Equal(core.Units[i].BelowNoise, units[i]!["below_noise"]!.GetValue<bool>());
        }
        Assert.Contains(core.Units, u => Math.Abs(u.Score) > 1e-2);   // the comparison says something
        Assert.Equal("user", result["roles"]![0]!["role"]!.GetValue<string>());
        Assert.NotNull(result["user_text"]);

        // Metered in calls: reserved = the budget of Core's plan against an unprobed endpoint + the probe's 10;
        // planned = the plan on what the probe found + the probe's calls; billed = the calls the endpoint received.
        var plan = BlackBoxAttribution.Plan(request, BlackBoxJobSupportView.Unprobed);
        var billed = result["calls"]!;
        long probe = BlackBoxJobs.Long(billed["probe"]);
        Assert.InRange(probe, 1, 10);
        Assert.Equal(BlackBoxAttribution.Plan(request, probed).PlannedCalls + probe, BlackBoxJobs.Long(billed["planned"]));
        Assert.Equal(calls, BlackBoxJobs.Long(billed["used"]));
        var usage = job["usage"]!;
        Assert.Equal("endpoint_calls", usage["unit"]!.GetValue<string>());
        Assert.Equal(calls, BlackBoxJobs.Long(usage["endpoint_calls"]));
        Assert.Equal(plan.CallBudget + 10, BlackBoxJobs.Long(usage["reserved_endpoint_calls"]));
        Assert.Equal(0, BlackBoxJobs.Long(usage["reserved_model_tokens"]));
        Assert.Equal("calls", job["progress"]!["unit"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_openai_chat_like_endpoint_gets_regenerate_top_logprobs_and_the_ledger_settles_to_its_call_count()
    {
        var tenant = await api.NewTenantAsync();
        var chat = new OpenAiChatDouble();
        var (endpoint, host) = BlackBoxJobs.AddDouble(api, tenant, chat);

        var job = await JobClient.RunAsync(tenant.Http, "/v1/attributions", new
        {
            endpoint, max_new_tokens = 5,
            messages = new[] { new { role = "system", content = "You answer geography questions." }, new { role = "user", content = "What is the capital of France?" } },
        });
        var result = job["result"]!;
        Assert.Equal("regenerate_top_logprobs", result["scoring_mode"]!.GetValue<string>());
        Assert.Contains("top_logprobs up to 20", result["scoring_reason"]!.GetValue<string>());
        var units = result["units"]!.AsArray();
        Assert.Equal("France?", units.MaxBy(u => u!["score"]!.GetValue<double>())!["text"]!.GetValue<string>());
        Assert.NotNull(result["system_prompt"]);
        Assert.Equal(["system", "user"], result["roles"]!.AsArray().Select(r => r!["role"]!.GetValue<string>()).Order());

        Assert.Equal(chat.Calls, BlackBoxJobs.Routes(api).Calls(host));
        Assert.Equal(chat.Calls, BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]));
        Assert.Equal(chat.Calls, BlackBoxJobs.Long(result["calls"]!["used"]));
        var usage = await BlackBoxJobs.UsageAsync(tenant);
        Assert.Equal(chat.Calls, BlackBoxJobs.Long(usage["used_endpoint_calls"]));
        Assert.Equal(0, BlackBoxJobs.Long(usage["reserved_endpoint_calls"]));
        Assert.Equal(0, BlackBoxJobs.Long(usage["used_model_tokens"]));
    }

    [Fact]
    public async Task An_endpoint_registered_with_post_v1_endpoints_runs_an_attribution_job_with_its_stored_key()
    {
        var tenant = await api.NewTenantAsync();
        // A public literal address (registration refuses private ones), routed in this test host to an in-process double.
        const string Host = "93.184.216.36";
        var keys = new KeyRecorder(new OpenAiChatDouble());
        BlackBoxJobs.Routes(api).Route(Host, keys);
        var created = await tenant.Http.PostAsJsonAsync("/v1/endpoints",
            new { name = "e2e", base_url = $"http://{Host}/v1", model = "gpt-like", api_key = "sk-e2e-0123456789" });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var endpoint = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<string>();

        var job = await JobClient.RunAsync(tenant.Http, "/v1/attributions", new
        {
            endpoint, max_new_tokens = 5, messages = new[] { new { role = "user", content = "What is the capital of France?" } },
        });
        Assert.Equal("regenerate_top_logprobs", job["result"]!["scoring_mode"]!.GetValue<string>());
        Assert.Equal(keys.Calls, BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]));
        // Never probed, so the job probed first; every call carried the key the resource stored (decrypted for the job).
        Assert.True(BlackBoxJobs.Long(job["result"]!["calls"]!["probe"]) > 0);
        Assert.Equal(["Bearer sk-e2e-0123456789"], keys.Authorizations.Distinct());
        Assert.DoesNotContain("sk-e2e", job.ToJsonString());
    }

    /// <summary>Forwards to a double and records the Authorization header of every call.</summary>
    private sealed class KeyRecorder(HttpMessageHandler inner) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _inner = new(inner, disposeHandler: false);
        public System.Collections.Concurrent.ConcurrentQueue<string> Authorizations { get; } = new();
        public int Calls => Authorizations.Count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Authorizations.Enqueue(request.Headers.Authorization?.ToString() ?? "");
            return _inner.SendAsync(request, ct);
        }
    }

    [Fact]
    public async Task The_influence_check_runs_against_an_endpoint_with_the_system_influence_of_black_box_attribution()
    {
        var tenant = await api.NewTenantAsync();
        var chat = new OpenAiChatDouble();
        var (endpoint, _) = BlackBoxJobs.AddDouble(api, tenant, chat, BlackBoxJobs.ChatOnly);
        const string System = "You answer geography questions.", User = "What is the capital of France?";
        var job = await JobClient.RunAsync(tenant.Http, "/v1/checks/system-prompt-influence", new
        {
            endpoint, max_new_tokens = 5,
            cases = new[] { new { name = "geo", system = System, user = User, log_prob_drop = new { max = 0.5 } } },
        });
        Assert.Equal("blackbox_system_prompt_influence", job["type"]!.GetValue<string>());
        var result = job["result"]!;
        var only = result["cases"]![0]!;

        // The figure is the black-box attribution's system influence of the same messages, computed here through Core.
        var core = BlackBoxAttribution.Run(chat.Client(new CallBudget(100)), BlackBoxJobs.ChatOnly, new BlackBoxAttributionRequest
            { Messages = [new ChatMessage("system", System), new ChatMessage("user", User)], MaxNewTokens = 5, NoiseSamples = 0 });
        Assert.Equal(core.SystemPrompt!.LogProbDrop, only["log_prob_drop"]!.GetValue<double>(), 1e-9);
        Assert.Equal(core.SystemPrompt.AttributionShare, only["attribution_share"]!.GetValue<double>(), 1e-9);
        // The double ignores system messages: removing them changes nothing, so the gate passes.
        Assert.True(result["passed"]!.GetValue<bool>());
        Assert.Equal("endpoint_calls", job["usage"]!["unit"]!.GetValue<string>());
        Assert.True(BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]) > 0);
    }
}

/// <summary>The jobs' planning assumption for an endpoint never probed, as the test computes its expected plan with.</summary>
internal static class BlackBoxJobSupportView
{
    public static readonly EndpointCapabilities Unprobed = new()
    {
        ChatLogprobs = true, TopLogprobs = 20, CompletionsEcho = true, PromptLogprobs = true, Tokenize = true,
        DeterministicAtTemperatureZero = null, Notes = [], Calls = 0,
    };
}
