using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using static LeapEngine.Api.Tests.OpenAi.OpenAiWire;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>
/// POST /v1/chat/completions on the wire: the template-rendered prompt, sampled tokens' log-probs against the forward
/// pass, the alias's hidden system prompt, a client that goes away, and bad input in OpenAI's error shape.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ChatWireTests(ApiFixture api)
{
    private const string User = "Once upon a time, there was a little dog.";

    /// <summary>The prompt ids the server should build for <paramref name="segments"/>: the model's template, encoded here.</summary>
    private static int[] Rendered(params PromptSegment[] segments) => EngineModel.Use(m =>
    {
        var rendered = ChatTemplate.ForModel(m).Render(segments);
        return m.Encode(rendered.Text, rendered.StartsWithBos ? false : null).Ids.ToArray();
    });

    [Fact]
    public async Task Greedy_chat_is_the_engines_continuation_of_the_rendered_messages_with_teacher_forced_logprobs()
    {
        var tenant = await api.NewTenantAsync();
        var (response, body) = await PostAsync(tenant.Http, "/v1/chat/completions", new
        {
            model = "stories260K", temperature = 0, max_tokens = 16, logprobs = true, top_logprobs = 2,
            messages = new object[] { new { role = "system", content = "Tell a story." }, new { role = "user", content = User } },
        });
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        var prompt = Rendered(new PromptSegment("system", "Tell a story."), new PromptSegment("user", User));
        var tokens = Greedy(prompt, 16);
        var choice = body["choices"]![0]!;
        Assert.Equal(DecodeAfter(prompt, tokens), choice["message"]!["content"]!.GetValue<string>());
        Assert.Equal(prompt.Length, body["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal("chat.completion", body["object"]!.GetValue<string>());

        // Each sampled token's log-prob is the model's, given the prompt and the tokens before it.
        var served = choice["logprobs"]!["content"]!.AsArray();
        var expected = ForwardLogProbs([.. prompt, .. tokens]);
        for (int i = 0; i < served.Count; i++)
            Assert.True(Math.Abs(expected[prompt.Length - 1 + i][tokens[i]] - served[i]!["logprob"]!.GetValue<float>()) < 1e-4, $"token {i}");
        Assert.All(served, t => Assert.Equal(2, t!["top_logprobs"]!.AsArray().Count));
    }

    [Fact]
    public async Task The_alias_puts_its_hidden_system_prompt_first_and_never_shows_it()
    {
        var tenant = await api.NewTenantAsync();
        var request = new
        {
            model = LeapApiFactory.HiddenAlias, temperature = 0, max_tokens = 16, logprobs = true, top_logprobs = 3,
            messages = new object[] { new { role = "user", content = User } },
        };
        var (_, body) = await PostAsync(tenant.Http, "/v1/chat/completions", request);
        var prompt = Rendered(new PromptSegment("system", LeapApiFactory.HiddenPrompt), new PromptSegment("user", User));
        Assert.Equal(DecodeAfter(prompt, Greedy(prompt, 16)), body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.DoesNotContain("Zog", body.ToJsonString());
        var chunks = await StreamAsync(tenant.Http, "/v1/chat/completions", new
        {
            model = LeapApiFactory.HiddenAlias, temperature = 0, max_tokens = 16, stream = true,
            messages = new object[] { new { role = "user", content = User } },
        });
        Assert.DoesNotContain("Zog", string.Concat(chunks.Select(c => c.ToJsonString())));
        Assert.All(chunks, c => Assert.Equal(LeapApiFactory.HiddenAlias, c["model"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_client_that_disconnects_stops_generation_and_pays_only_what_ran()
    {
        var tenant = await api.NewTenantAsync();
        var before = await UsedTokensAsync(tenant.Http);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = ApiFixture.Json(new
            {
                model = "stories260K", temperature = 1, max_tokens = 480, n = 8, stream = true, seed = 3,
                messages = new object[] { new { role = "user", content = "Hi" } },
            }),
        };
        using (var response = await tenant.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            // Eight opening chunks (one per choice, sent before generation starts), then tokens: wait for a few.
            for (int events = 0; events < 12;)
                if ((await reader.ReadLineAsync())!.StartsWith("data: ")) events++;
        }
        // The reservation is returned once the server has noticed and stopped.
        for (int i = 0; i < 100 && await ReservedTokensAsync(tenant.Http) > 0; i++) await Task.Delay(100);
        Assert.Equal(0, await ReservedTokensAsync(tenant.Http));
        long charged = await UsedTokensAsync(tenant.Http) - before;
        Assert.InRange(charged, 1, 8 * 480 - 1);
    }

    [Theory]
    [InlineData("""{"model":"stories260K","messages":[{"role":"tool","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"stories260K","messages":[]}""", "messages")]
    [InlineData("""{"model":"stories260K","messages":[{"role":"user","content":"x"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"model":"stories260K","messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("""{"model":"stories260K","messages":[{"role":"user","content":"x"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"stories260K","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}""", "stream_options")]
    [InlineData("""{"model":"stories260K","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content")]
    [InlineData("""{"model":"","messages":[{"role":"user","content":"x"}]}""", "model")]
    public async Task Bad_chat_input_is_a_400_naming_the_field(string json, string param)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/chat/completions", ApiFixture.RawJson(json));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(param, AssertError(response, body, 400, "invalid_request_error")["param"]?.GetValue<string>());
    }
}
