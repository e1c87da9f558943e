using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.Attribution;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>The shared stories260K for the black-box tests that need a real model behind the endpoint (forward passes only).</summary>
public sealed class StoriesFixture
{
    public LanguageModel Model => AttributionModels.Stories();
}

/// <summary>
/// Black-box attribution end to end against the in-process doubles: the OpenAI-like chat API
/// gets regenerate_top_logprobs; an endpoint over stories260K gets teacher_forced and the same
/// ItP numbers as the white-box engine; a hidden system prompt shows in the user-text figure.
/// </summary>
public class BlackBoxAttributionTests(StoriesFixture stories) : IClassFixture<StoriesFixture>
{
    private sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    private const string Story = "Once upon a time, there was a little girl named Lily. She loved to play with her red ball.";

    [Fact]
    public async Task An_OpenAI_like_chat_api_gets_regenerate_top_logprobs_and_the_result_says_so()
    {
        var endpoint = new OpenAiChatDouble();
        var client = endpoint.Client(new CallBudget(200));
        var caps = await EndpointProbe.RunAsync(client);
        Assert.True(caps.ChatLogprobs);
        Assert.Equal(20, caps.TopLogprobs);
        Assert.False(caps.CompletionsEcho);
        Assert.False(caps.PromptLogprobs);
        Assert.False(caps.Tokenize);
        Assert.True(caps.DeterministicAtTemperatureZero);
        Assert.Contains(caps.Notes, n => n.Contains("completions with echo") && n.Contains("chat model"));
        Assert.True(caps.Calls <= 10);

        var request = new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("system", "You answer geography questions."), new ChatMessage("user", "What is the capital of France?")],
            MaxNewTokens = 5,
        };
        var updates = new List<ProgressUpdate>();
        var result = BlackBoxAttribution.Run(client, caps, request, new SyncProgress(updates.Add));
        Assert.Equal("regenerate_top_logprobs", result.ScoringMode);
        Assert.Contains("top_logprobs up to 20", result.ScoringReason);
        Assert.Equal(" Paris is the capital.", result.CompletionText);
        Assert.True(result.CompletionGenerated);
        Assert.Null(result.Template);
        var top = result.Units.MaxBy(u => u.Score)!;
        Assert.Equal("France?", top.Text);
        Assert.False(top.BelowNoise);
        // Without France the double answers London: Paris is its second choice at the first position (-2.5); every later
        // position is charged the floor, the lowest of the 20 log-probs returned where the answer left the original (-25).
        Assert.Equal(5 * -0.05 - (-2.5 + 4 * -25.0), top.Score, 9);
        Assert.All(result.Units.Where(u => u != top), u => { Assert.Equal(0, u.Score); Assert.True(u.BelowNoise); });
        Assert.Equal(0, result.NoiseFloor);
        Assert.Equal(1.0, result.Roles.Single(r => r.Role == "user").Share, 9);
        Assert.Equal(0, result.SystemPrompt!.LogProbDrop, 9);
        Assert.Equal(top.Score, result.UserText!.LogProbDrop, 9);
        // Calls: establish 1 + noise 2 + one per unit + user text + system = what the plan allowed, and progress counted them.
        Assert.Equal(1 + 2 + result.Units.Count + 1 + 1, result.Calls);
        Assert.Equal(result.PlannedCalls, result.Calls);
        Assert.Equal(result.Calls, updates[^1].Done);
        Assert.All(updates, u => Assert.Equal("calls", u.Unit));
    }

    [Fact]
    public async Task Retry_storms_during_attribution_are_absorbed_within_the_budget()
    {
        var endpoint = new FlakyEndpoint(new OpenAiChatDouble(), everyNth: 3);
        var client = endpoint.Client(new CallBudget(100));
        var caps = await EndpointProbe.RunAsync(client);
        var result = BlackBoxAttribution.Run(client, caps, new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", "What is the capital of France?")], MaxNewTokens = 5, NoiseSamples = 0,
        });
        Assert.Equal("France?", result.Units.MaxBy(u => u.Score)!.Text);
        Assert.True(result.Retries > 0);
        Assert.Equal(result.Calls, result.Evaluations + 1 + result.Retries);

        var starved = endpoint.Client(new CallBudget(8));
        var e = Assert.Throws<EndpointException>(() => BlackBoxAttribution.Run(starved, caps, new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", "What is the capital of France?")], MaxNewTokens = 5, NoiseSamples = 0,
        }));
        Assert.Equal("call_budget_exhausted", e.Code);
    }

    [Fact]
    public async Task Cancellation_stops_an_attribution_mid_job()
    {
        var endpoint = new FlakyEndpoint(new OpenAiChatDouble(), everyNth: int.MaxValue, delay: TimeSpan.FromMilliseconds(100));
        var client = endpoint.Client();
        var caps = await EndpointProbe.RunAsync(client);
        using var cts = new CancellationTokenSource();
        endpoint.Watched = cts.Token;
        int before = endpoint.Calls;
        // Cancelled from the progress reports once three calls are done (not by a timer: the build machine's load would move it).
        var progress = new SyncProgress(u => { if (u.Done >= 3) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => BlackBoxAttribution.Run(client, caps, new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", string.Join(' ', Enumerable.Repeat("What is the capital of France?", 30)))],
            MaxNewTokens = 5, NoiseSamples = 0,
        }, progress, cts.Token));
        // The run needed 182 calls. Invariant: once the job is cancelled no call beyond those already under way reaches the endpoint (how many were
        // made before the cancel depends on when the thread pool delivers the progress report, so that is not asserted).
        Assert.True(cts.IsCancellationRequested, "the run ended without being cancelled");
        // (At most the calls already past the concurrency gate, 4, may still arrive.)
        Assert.True(endpoint.CallsAfterCancel <= 4, $"{endpoint.CallsAfterCancel} calls reached the endpoint after the cancel");
        Assert.True(endpoint.Calls - before < 182, $"{endpoint.Calls - before} of 182 calls made: the run did not stop");
    }

    [Fact]
    public async Task The_stories_endpoint_offers_teacher_forcing()
    {
        var caps = await EndpointProbe.RunAsync(new LocalModelEndpoint(stories.Model).Client());
        Assert.True(caps.CompletionsEcho);
        Assert.True(caps.PromptLogprobs);
        Assert.True(caps.Tokenize);
        Assert.False(caps.ChatLogprobs);
        Assert.True(caps.DeterministicAtTemperatureZero);
    }

    private static EndpointCapabilities TeacherForcing(bool echo) => new()
    {
        ChatLogprobs = false, TopLogprobs = 0, CompletionsEcho = echo, PromptLogprobs = !echo, Tokenize = true,
        DeterministicAtTemperatureZero = true, Notes = [], Calls = 0,
    };

    /// <summary>The acceptance test: black-box teacher_forced ItP equals white-box ItP on the same model, units and perturbation.</summary>
    [Theory]
    [InlineData(true, "itp")]
    [InlineData(false, "itp")]
    [InlineData(true, "hipe")]
    public void Teacher_forced_matches_white_box(bool echo, string method)
    {
        const string completion = " She was very happy";
        var white = AttributionEngine.Run(stories.Model, new AttributionRequest
        {
            Text = Story, Template = "plain", Unit = "word", Perturbation = "remove", Completion = completion, Method = method,
        });
        var client = new LocalModelEndpoint(stories.Model).Client();
        var black = BlackBoxAttribution.Run(client, TeacherForcing(echo), new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", Story)], Completion = completion, Unit = "word", Perturbation = "remove", Method = method,
        });
        Assert.Equal("teacher_forced", black.ScoringMode);
        Assert.Equal("plain", black.Template);
        Assert.Equal(white.CompletionTokenLogProbs.Length, black.CompletionTokenLogProbs.Length);
        Assert.Equal(white.CompletionLogProb, black.CompletionLogProb, 1e-4);
        Assert.Equal(white.Units.Select(u => u.Text), black.Units.Select(u => u.Text));
        for (int i = 0; i < white.Units.Count; i++)
        {
            Assert.True(Math.Abs(white.Units[i].Score - black.Units[i].Score) < 1e-4, $"unit {i} '{white.Units[i].Text}': {white.Units[i].Score} vs {black.Units[i].Score}");
            for (int j = 0; j < white.Units[i].OutputTokenScores.Length; j++)
                Assert.True(Math.Abs(white.Units[i].OutputTokenScores[j] - black.Units[i].OutputTokenScores[j]) < 1e-4);
        }
        if (method == "hipe") Assert.Equal(white.HipeChunks!.Select(c => (c.Start, c.End, c.Split)), black.HipeChunks!.Select(c => (c.Start, c.End, c.Split)));
        Assert.True(black.NoiseFloor < 1e-4);
    }

    [Fact]
    public void A_generated_completion_and_the_system_influence_match_white_box_too()
    {
        const string system = "Lily had a red ball.";
        const string user = "One day, Lily";
        var white = AttributionEngine.Run(stories.Model, new AttributionRequest { System = system, Text = user, Template = "plain", MaxNewTokens = 6 });
        var black = BlackBoxAttribution.Run(new LocalModelEndpoint(stories.Model).Client(), TeacherForcing(echo: true), new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("system", system), new ChatMessage("user", user)], MaxNewTokens = 6, NoiseSamples = 0,
        });
        Assert.True(black.CompletionGenerated);
        Assert.Equal(white.CompletionText, black.CompletionText);
        Assert.Equal(white.SystemPrompt!.LogProbWithout, black.SystemPrompt!.LogProbWithout, 1e-4);
        Assert.Equal(white.SystemPrompt.LogProbDrop, black.SystemPrompt.LogProbDrop, 1e-4);
        Assert.Equal(1.0, black.Roles.Sum(r => r.Share), 9);
    }

    /// <summary>
    /// The user-text figure is the drop with all user text perturbed at once: with one message
    /// unit it is that unit's ItP score; per token it divides by the completion's length.
    /// </summary>
    [Fact]
    public void The_user_text_figure_is_the_drop_without_all_user_text()
    {
        var request = new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("system", "Lily had a big red ball."), new ChatMessage("user", "One day, she played with her")],
            Completion = " red ball", NoiseSamples = 0, Unit = "message",
        };
        var result = BlackBoxAttribution.Run(new LocalModelEndpoint(stories.Model).Client(), TeacherForcing(echo: true), request);
        var user = result.Units.Single(u => u.Role == "user");
        Assert.Equal(user.Score, result.UserText!.LogProbDrop, 9);
        Assert.Equal(result.CompletionLogProb - result.UserText.LogProbDrop, result.UserText.LogProbWithout, 9);
        Assert.Equal(result.UserText.LogProbDrop / result.CompletionTokens.Count, result.UserText.DropPerToken, 9);
        Assert.Equal(result.Units.Single(u => u.Role == "system").Score, result.SystemPrompt!.LogProbDrop, 9);
        Assert.Equal(result.UserText.LogProbDrop / -result.UserText.LogProbWithout, result.UserText.ExplainedShare, 9);
    }

    /// <summary>The explained share by hand: drop over the surprisal without the user text; nothing left to explain is 0.</summary>
    [Theory]
    [InlineData(7.9, -8.0, 0.9875)]   // the text takes the completion from 8 nats of surprisal to 0.1
    [InlineData(0.0, -0.02, 0.0)]     // as likely without the text
    [InlineData(-1.0, -2.0, -0.5)]    // the text makes it less likely
    [InlineData(0.0, 0.0, 0.0)]       // certain without the text: nothing to explain
    public void The_explained_share_is_the_drop_over_the_surprisal_without_the_user_text(double drop, double without, double share)
    {
        var figure = new UserTextExplanation(drop, without, drop);
        Assert.Equal(share, figure.ExplainedShare, 9);
        Assert.Equal(share < UserTextExplanation.MostlyUnexplainedBelow, figure.MostlyUnexplained);
    }

    [Fact]
    public void Endpoint_token_units_come_from_the_tokenize_route()
    {
        var caps = TeacherForcing(echo: true) with { Tokenize = true };
        var white = AttributionEngine.Run(stories.Model, new AttributionRequest { Text = "The cat sat on the mat.", Template = "plain", Unit = "token", Completion = " The" });
        var black = BlackBoxAttribution.Run(new LocalModelEndpoint(stories.Model).Client(), caps, new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", "The cat sat on the mat.")], Unit = "endpoint_token", Completion = " The", NoiseSamples = 0,
        });
        Assert.Equal("endpoint_token", black.Unit);
        Assert.Equal(white.Units.Select(u => (u.Start, u.Length)), black.Units.Select(u => (u.Start, u.Length)));
    }

    [Fact]
    public void Bad_requests_say_what_to_fix()
    {
        var caps = TeacherForcing(echo: true);
        Assert.Contains("messages is required", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.Plan(new BlackBoxAttributionRequest(), caps)).Message);
        Assert.Contains("needs a role", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.Plan(
            new BlackBoxAttributionRequest { Messages = [new ChatMessage("", "x")] }, caps)).Message);
        Assert.Contains("unknown method 'lime'; use itp or hipe", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.Plan(
            new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", "x")], Method = "lime" }, caps)).Message);
        Assert.Contains("tokenize route", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.Plan(
            new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", "x")], Unit = "endpoint_token" }, caps with { Tokenize = false })).Message);
        Assert.Contains("max new tokens", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.Plan(
            new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", "x")], MaxNewTokens = 0 }, caps)).Message);
        Assert.Contains("no text to attribute", Assert.Throws<ArgumentException>(() => BlackBoxAttribution.Plan(
            new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", "  ")] }, caps)).Message);
    }

    [Fact]
    public void The_plan_bounds_the_calls_of_both_methods()
    {
        var caps = TeacherForcing(echo: true);
        foreach (var method in new[] { "itp", "hipe" })
        {
            var request = new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", Story)], Completion = " She", Method = method, NoiseSamples = 1 };
            var plan = BlackBoxAttribution.Plan(request, caps);
            var result = BlackBoxAttribution.Run(new LocalModelEndpoint(stories.Model).Client(new CallBudget(plan.PlannedCalls)), caps, request);
            Assert.True(result.Calls <= plan.PlannedCalls, $"{method}: {result.Calls} calls, {plan.PlannedCalls} planned");
            if (method == "itp") Assert.Equal(plan.PlannedCalls, result.Calls);
        }
    }
}
