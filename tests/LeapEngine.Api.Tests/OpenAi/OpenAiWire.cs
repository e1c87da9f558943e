using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Api.Tests.OpenAi;

/// <summary>Raw HTTP helpers for the OpenAI-compatible routes, and the independent computations the tests compare with.</summary>
public static class OpenAiWire
{
    public static async Task<(HttpResponseMessage Response, JsonObject Body)> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>The data objects of an SSE answer, up to [DONE] (which must come last).</summary>
    public static async Task<List<JsonObject>> StreamAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ")).Select(l => l[6..]).ToList();
        Assert.Equal("[DONE]", lines[^1]);
        return lines[..^1].Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
    }

    /// <summary>The OpenAI error object of a refused request, checked for its shape and status.</summary>
    public static JsonObject AssertError(HttpResponseMessage response, JsonObject body, int status, string type)
    {
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body.ToJsonString()}");
        var error = body["error"]!.AsObject();
        Assert.Equal(type, error["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.True(error.ContainsKey("param") && error.ContainsKey("code"), "error object without param or code");
        return error;
    }

    /// <summary>log_softmax of stories260K's logits over <paramref name="ids"/>, computed here: row i predicts token i + 1.</summary>
    public static float[][] ForwardLogProbs(IReadOnlyList<int> ids) => EngineModel.Use(model =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
        var logProbs = model.Network.Forward(input)[0].to(ScalarType.Float32).log_softmax(-1);   // [token, vocab]
        return Enumerable.Range(0, ids.Count).Select(i => logProbs[i].data<float>().ToArray()).ToArray();
    });

    public static int[] Encode(string text) => EngineModel.Use(m => m.Encode(text).Ids.ToArray());

    public static int[] PromptIds(string text) => EngineModel.Use(m => m.PromptIds(text));

    public static int[] Greedy(IReadOnlyList<int> prompt, int maxTokens) =>
        EngineModel.Use(m => TextGenerator.Generate(m.Network, prompt, new GenerationOptions { MaxNewTokens = maxTokens }, m.EosId));

    public static string DecodeAfter(IReadOnlyList<int> context, IReadOnlyList<int> tokens) =>
        EngineModel.Use(m => m.DecodeContinuation(context, tokens.Where(t => t != m.EosId).ToArray()));

    public static async Task<long> UsedTokensAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonObject>("/v1/usage"))!["used_model_tokens"]!.GetValue<long>();

    public static async Task<long> ReservedTokensAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonObject>("/v1/usage"))!["reserved_model_tokens"]!.GetValue<long>();
}
