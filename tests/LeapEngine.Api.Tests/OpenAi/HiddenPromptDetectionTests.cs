using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>
/// Spotting a hidden system prompt from outside (docs/black-box.md): the same visible messages sent to a deployment
/// without a hidden prompt and to an alias of the same model whose hidden system prompt already carries what decides
/// the answer. The model has a planted mechanism (a key-retrieval model made by <c>leap synth train</c>, committed under
/// Fixtures/models): one key word among distractors decides the answer. Behind the alias the hidden prompt holds the
/// key too, so the visible text no longer explains the completion: its explained share collapses (the method's
/// "diminished attribution"), while both deployments give the same answer.
/// Invariant: the documented figure flags the hidden-prompt alias on every prompt and never flags the plain
/// deployment; a hidden prompt that does not drive the completion is (correctly) not flagged.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HiddenPromptDetectionTests(ApiFixture api, ITestOutputHelper output)
{
    private const string Model = "synth-key-retrieval-1";
    private const string HiddenAlias = "synth-key-hidden";
    // The key-retrieval layout: words, each after a space. The alias puts " ka" and a blank line before the visible text.
    private const string HiddenKey = " ka";
    // Seed 1's planted answers (Fixtures/models/synth-key-retrieval-1/synth.json): ka -> vd, kb -> vc.
    private const string AnswerForKa = " vd", AnswerForKb = " vc";

    [Fact]
    public async Task The_explained_share_flags_the_alias_whose_hidden_prompt_drives_the_answer_and_not_the_plain_model()
    {
        await using var factory = new LeapApiFactory(await api.Postgres.CreateDatabaseAsync("leap_hidden_prompt"), runWorkerInProcess: false,
            stepDelayMs: 0, new Dictionary<string, string>
            {
                ["Leap:Models:ModelsDir"] = Path.Combine(AppContext.BaseDirectory, "Fixtures", "models"),
                ["Leap:Models:Served:1:Id"] = Model,
                ["Leap:Models:Served:1:Class"] = "small",
                [$"Leap:OpenAi:Aliases:{HiddenAlias}:Model"] = Model,
                [$"Leap:OpenAi:Aliases:{HiddenAlias}:HiddenSystemPrompt"] = HiddenKey,
            });
        var tenant = await ApiFixture.NewTenantAsync(factory, "test");
        var plain = Client(factory, Model, tenant.Key);
        var hidden = Client(factory, HiddenAlias, tenant.Key);
        var plainCaps = await EndpointProbe.RunAsync(plain);
        var hiddenCaps = await EndpointProbe.RunAsync(hidden);

        var random = new Random(5);
        foreach (int words in new[] { 4, 8, 12, 16, 24, 32 })
        {
            var text = Prompt(random, words, key: "ka");
            var without = await ExplainAsync(plain, plainCaps, text);
            var with = await ExplainAsync(hidden, hiddenCaps, text);
            output.WriteLine($"{words,2} words: plain {without.CompletionText} share {without.UserText!.ExplainedShare:F3} (drop {without.UserText.LogProbDrop:F3}); " +
                             $"alias {with.CompletionText} share {with.UserText!.ExplainedShare:F3} (drop {with.UserText.LogProbDrop:F3})");

            // Both deployments answer the same: the answer alone does not give the hidden prompt away.
            Assert.Equal(AnswerForKa, without.CompletionText);
            Assert.Equal(AnswerForKa, with.CompletionText);
            // Without a hidden prompt the visible key explains the answer (and is the top unit)...
            Assert.False(without.UserText.MostlyUnexplained, $"plain deployment flagged at {words} words: share {without.UserText.ExplainedShare}");
            Assert.Equal("ka", without.Units.MaxBy(u => u.Score)!.Text);
            // ...behind the alias the hidden key already makes it likely: the visible text explains little of it.
            Assert.True(with.UserText.MostlyUnexplained, $"alias not flagged at {words} words: share {with.UserText.ExplainedShare}");
            Assert.True(with.Units.Single(u => u.Text == "ka").Score < without.Units.Single(u => u.Text == "ka").Score / 4,
                "the visible key's attribution is not diminished behind the alias");
        }

        // The limit, asserted so the docs stay true: when the visible text overrides the hidden prompt (another key),
        // the completion follows the visible text and nothing is flagged — the figure sees hidden prompts that drive
        // the completion, not hidden prompts as such.
        var overridden = await ExplainAsync(hidden, hiddenCaps, Prompt(random, 12, key: "kb"));
        output.WriteLine($"alias, visible key kb: {overridden.CompletionText} share {overridden.UserText!.ExplainedShare:F3}");
        Assert.Equal(AnswerForKb, overridden.CompletionText);
        Assert.False(overridden.UserText.MostlyUnexplained);
    }

    /// <summary>Distractor words (first letters the task uses for distractors) with one <paramref name="key"/> at a random position.</summary>
    private static string Prompt(Random random, int words, string key)
    {
        const string first = "bdfghlmnprst";
        var list = Enumerable.Range(0, words).Select(_ => $"{first[random.Next(first.Length)]}{(char)('a' + random.Next(26))}").ToArray();
        list[random.Next(words)] = key;
        return string.Concat(list.Select(w => " " + w));
    }

    private static Task<BlackBoxAttributionResult> ExplainAsync(EndpointClient client, EndpointCapabilities caps, string text) =>
        BlackBoxAttribution.RunAsync(client, caps, new BlackBoxAttributionRequest
        {
            Messages = [new ChatMessage("user", text)], MaxNewTokens = 1, Unit = "word", NoiseSamples = 1,
        });

    /// <summary>The client a host would build, over the test server's handler.</summary>
    private static EndpointClient Client(LeapApiFactory factory, string model, string key) =>
        new(new HttpClient(factory.Server.CreateHandler()),
            new EndpointSpec { BaseUrl = new Uri(factory.Server.BaseAddress, "v1"), Model = model, ApiKey = key }, new CallBudget(200));
}
