using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.BlackBox.Scoring;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>
/// Core's black-box attribution pointed at LeapEngine's OWN OpenAI-compatible routes (the real API, in the test
/// server): the probe must find teacher forcing, and black-box ItP/HiPe over /v1/completions must equal the white-box
/// engine's on the same stories260K model, units, perturbation and completion. The hidden-prompt alias's user-text
/// figure is reported (stories260K is too small for it to be a reliable signal, see docs/black-box.md).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OwnEndpointBlackBoxTests(ApiFixture api, ITestOutputHelper output)
{
    // Short: the test plan allows 64 prompt tokens per call, and every unit is one call.
    private const string Story = "Lily had a red ball. She liked to play.";
    private const string Completion = " She was very happy";

    /// <summary>The client a host would build, but over the test server's handler (no socket, so no SSRF policy applies).</summary>
    private async Task<EndpointClient> ClientAsync(string model, long budget = 100)
    {
        var tenant = await api.NewTenantAsync();
        var http = new HttpClient(api.Factory.Server.CreateHandler());
        var spec = new EndpointSpec { BaseUrl = new Uri(api.Factory.Server.BaseAddress, "v1"), Model = model, ApiKey = tenant.Key };
        return new EndpointClient(http, spec, new CallBudget(budget));
    }

    [Fact]
    public async Task The_probe_finds_echo_and_prompt_logprobs_and_auto_picks_teacher_forced()
    {
        var client = await ClientAsync("stories260K");
        var caps = await EndpointProbe.RunAsync(client);
        Assert.True(caps.CompletionsEcho, string.Join("; ", caps.Notes));
        Assert.True(caps.PromptLogprobs, string.Join("; ", caps.Notes));
        Assert.Equal(true, caps.DeterministicAtTemperatureZero);
        Assert.True(caps.Calls <= 10);
        var (mode, reason) = BlackBoxAttribution.ChooseMode(new BlackBoxAttributionRequest { Messages = [new ChatMessage("user", Story)] }, caps);
        Assert.Equal(ScoringMode.TeacherForced, mode);
        Assert.Contains("echo", reason);
    }

    /// <summary><paramref name="echo"/> false: the probe's answer with echo left out, so the reader takes vLLM's prompt_logprobs route.</summary>
    [Theory]
    [InlineData("itp", true)]
    [InlineData("itp", false)]
    [InlineData("hipe", true)]
    public async Task Teacher_forced_attribution_over_the_own_endpoint_equals_the_white_box_engine(string method, bool echo)
    {
        var client = await ClientAsync("stories260K");
        var caps = await EndpointProbe.RunAsync(client);
        if (!echo) caps = caps with { CompletionsEcho = false };
        var black = await BlackBoxAttribution.RunAsync(client, caps, new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", Story)], Completion = Completion, Unit = "word", Perturbation = "remove",
            Method = method, NoiseSamples = 1,
        });
        var white = EngineModel.Use(m => AttributionEngine.Run(m, new AttributionRequest
        {
            Text = Story, Template = "plain", Unit = "word", Perturbation = "remove", Completion = Completion, Method = method,
        }));

        Assert.Equal("teacher_forced", black.ScoringMode);
        Assert.Contains(echo ? "echo" : "prompt_logprobs", black.ScoringReason);
        Assert.Equal(white.CompletionTokenLogProbs.Length, black.CompletionTokenLogProbs.Length);
        Assert.Equal(white.CompletionLogProb, black.CompletionLogProb, 1e-4);
        Assert.Equal(white.Units.Select(u => u.Text), black.Units.Select(u => u.Text));
        for (int i = 0; i < white.Units.Count; i++)
            Assert.True(Math.Abs(white.Units[i].Score - black.Units[i].Score) < 1e-4,
                $"unit {i} '{white.Units[i].Text}': white {white.Units[i].Score}, black {black.Units[i].Score}");
        if (method == "hipe")
            Assert.Equal(white.HipeChunks!.Select(c => (c.Start, c.End, c.Split)), black.HipeChunks!.Select(c => (c.Start, c.End, c.Split)));
        // The served model is deterministic: the unperturbed prompt scores the same every time.
        Assert.True(black.NoiseFloor < 1e-4, $"noise floor {black.NoiseFloor}");
        // Not a test that cannot fail: some word must move the completion, or the comparison above says nothing.
        Assert.Contains(black.Units, u => Math.Abs(u.Score) > 1e-2);
    }

    /// <summary>
    /// The hidden-prompt alias seen from outside: the same messages and completion with and without the server's hidden
    /// system prompt. Reported, not asserted (on stories260K the direction is not reliable); what is asserted is that
    /// the hidden prompt changes what the model reads, and that teacher forcing still works behind the alias.
    /// </summary>
    [Fact]
    public async Task The_hidden_prompt_alias_user_text_figure_is_reported()
    {
        var request = new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", Story)], Completion = Completion, Unit = "word", NoiseSamples = 0,
        };
        var plain = await ClientAsync("stories260K");
        var hidden = await ClientAsync(LeapApiFactory.HiddenAlias);
        var without = await BlackBoxAttribution.RunAsync(plain, await EndpointProbe.RunAsync(plain), request);
        var with = await BlackBoxAttribution.RunAsync(hidden, await EndpointProbe.RunAsync(hidden), request);
        Assert.Equal("teacher_forced", with.ScoringMode);
        Assert.NotEqual(without.CompletionLogProb, with.CompletionLogProb, 1e-4);
        output.WriteLine($"completion log-prob: without hidden prompt {without.CompletionLogProb:F4}, with {with.CompletionLogProb:F4}");
        output.WriteLine($"user_text log_prob_drop: without hidden prompt {without.UserText!.LogProbDrop:F4}, with {with.UserText!.LogProbDrop:F4}");
        output.WriteLine($"user_text drop_per_token: without {without.UserText.DropPerToken:F4}, with {with.UserText.DropPerToken:F4}");
    }
}
