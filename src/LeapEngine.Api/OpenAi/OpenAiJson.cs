using System.Text.Json;
using System.Text.Json.Serialization;
using LeapEngine.Jobs;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// The engine's snake_case dialect for OpenAI answers, with two differences OpenAI's format needs: nulls are
/// written (<c>"logprobs": null</c>, <c>"finish_reason": null</c> in a chunk, as OpenAI writes them), and
/// dictionary keys are data (token texts, token ids), never renamed.
/// </summary>
public static class OpenAiJson
{
    public static JsonSerializerOptions Options { get; } = new(LeapJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        DictionaryKeyPolicy = null,
    };

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
