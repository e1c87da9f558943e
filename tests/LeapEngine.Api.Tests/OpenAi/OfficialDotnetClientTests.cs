using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using static LeapEngine.Api.Tests.OpenAi.OpenAiWire;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>
/// The official OpenAI .NET library, unchanged, against the API on a real Kestrel socket: its base URL and key
/// are all it is given. Completions (no typed client in the library) go through its own pipeline, as its raw
/// protocol path, so authentication and error handling are still the library's.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OfficialDotnetClientTests(ApiFixture api)
{
    private async Task<(OpenAIClient Client, Tenant Tenant, Uri Endpoint)> ClientAsync()
    {
        var factory = await api.KestrelApiAsync();
        var tenant = await ApiFixture.NewTenantAsync(factory, "test");
        var endpoint = new Uri(factory.CreateClient().BaseAddress!, "/v1/");
        return (new OpenAIClient(new ApiKeyCredential(tenant.Key), new OpenAIClientOptions { Endpoint = endpoint }), tenant, endpoint);
    }

    [Fact]
    public async Task Chat_answers_with_text_usage_and_logprobs_and_the_stream_says_the_same()
    {
        var (client, _, _) = await ClientAsync();
        var chat = client.GetChatClient("stories260K");
        var options = new ChatCompletionOptions
        {
            Temperature = 0, MaxOutputTokenCount = 20, IncludeLogProbabilities = true, TopLogProbabilityCount = 5,
        };
        ChatMessage[] messages = [new SystemChatMessage("Tell a story."), new UserChatMessage("Once upon a time, there was a cat.")];
        ChatCompletion completion = await chat.CompleteChatAsync(messages, options);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        var text = completion.Content[0].Text;
        Assert.False(string.IsNullOrEmpty(text));
        Assert.Equal("stories260K", completion.Model);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        Assert.NotEmpty(completion.ContentTokenLogProbabilities);
        Assert.All(completion.ContentTokenLogProbabilities, t =>
        {
            Assert.Equal(5, t.TopLogProbabilities.Count);
            Assert.True(t.LogProbability <= 0);
            Assert.Equal(t.TopLogProbabilities[0].LogProbability, t.LogProbability, 4);   // greedy: the likeliest token
        });

        var streamed = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(text, streamed.ToString());
        Assert.Equal(completion.FinishReason, finish);
        Assert.NotNull(usage);   // the library asks for include_usage itself
        Assert.Equal(completion.Usage.TotalTokenCount, usage.TotalTokenCount);
    }

    [Fact]
    public async Task Models_list_has_the_served_models_and_the_alias()
    {
        var (client, _, _) = await ClientAsync();
        var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Contains(models, m => m.Id == "stories260K" && m.OwnedBy == "leapengine");
        Assert.Contains(models, m => m.Id == LeapApiFactory.HiddenAlias);
    }

    [Fact]
    public async Task Completions_with_echo_and_logprobs_through_the_librarys_pipeline()
    {
        var (client, _, endpoint) = await ClientAsync();
        var pipeline = client.GetChatClient("stories260K").Pipeline;
        var message = pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = new Uri(endpoint, "completions");
        message.Request.Headers.Set("Content-Type", "application/json");
        const string prompt = "The cat sat on the mat.";
        message.Request.Content = BinaryContent.Create(BinaryData.FromObjectAsJson(new
        {
            model = "stories260K", prompt, echo = true, logprobs = 1, max_tokens = 0,
        }));
        await pipeline.SendAsync(message);
        Assert.Equal(200, message.Response!.Status);
        var body = JsonNode.Parse(message.Response.Content.ToString())!;
        var served = body["choices"]![0]!["logprobs"]!["token_logprobs"]!.AsArray();
        var ids = Encode(prompt);
        var expected = ForwardLogProbs(ids);
        for (int i = 1; i < ids.Length; i++) Assert.Equal(expected[i - 1][ids[i]], served[i]!.GetValue<float>(), 4);
    }

    [Fact]
    public async Task A_refused_request_raises_the_librarys_error_with_the_servers_message()
    {
        var (client, _, _) = await ClientAsync();
        var chat = client.GetChatClient("stories260K");
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            chat.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 2.5f }));
        Assert.Equal(400, error.Status);
        Assert.Contains("temperature must be between 0 and 2", error.Message);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, missing.Status);
        Assert.Contains("model_not_found", missing.Message);
    }
}
