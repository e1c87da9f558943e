using LeapEngine.Core.Serving;
using LeapEngine.Jobs.Generation;

namespace LeapEngine.Api.OpenAi;

/// <summary>A request field OpenAI's format allows but that is out of range here: a 400 naming the field.</summary>
public sealed class OpenAiRequestException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}

/// <summary>The sampling settings chat and completions share, checked and defaulted as OpenAI does.</summary>
public sealed record Sampling(double Temperature, double? TopP, int Choices, long Seed, IReadOnlyList<string> Stops)
{
    public const int MaxStops = 4;
    public const int MaxStopChars = 256;

    public static Sampling From(ISamplingRequest r, OpenAiOptions options)
    {
        if (string.IsNullOrWhiteSpace(r.Model)) throw new OpenAiRequestException("model", "model is required (GET /v1/models lists them)");
        double temperature = r.Temperature ?? 1;   // OpenAI's default: sampling, not greedy
        if (double.IsNaN(temperature) || temperature is < 0 or > 2)
            throw new OpenAiRequestException("temperature", $"temperature must be between 0 and 2, got {temperature}");
        if (temperature is > 0 and < GenerationHandler.MinPositiveTemperature)
            throw new OpenAiRequestException("temperature",
                $"temperature must be 0 (greedy) or at least {GenerationHandler.MinPositiveTemperature}, got {temperature}");
        if (r.TopP is { } p && (double.IsNaN(p) || p <= 0 || p > 1))
            throw new OpenAiRequestException("top_p", $"top_p must be in (0, 1], got {p}");
        int n = r.N ?? 1;
        if (n < 1 || n > options.MaxChoices) throw new OpenAiRequestException("n", $"n must be between 1 and {options.MaxChoices}, got {n}");
        var stops = r.Stop?.Values ?? [];
        if (stops.Count > MaxStops) throw new OpenAiRequestException("stop", $"at most {MaxStops} stop sequences are accepted, got {stops.Count}");
        if (stops.Any(s => s.Length is 0 or > MaxStopChars))
            throw new OpenAiRequestException("stop", $"a stop sequence must have 1 to {MaxStopChars} characters");
        if (r.PresencePenalty is { } pp && pp != 0)
            throw new OpenAiRequestException("presence_penalty", "presence_penalty is not supported; omit it or send 0");
        if (r.FrequencyPenalty is { } fp && fp != 0)
            throw new OpenAiRequestException("frequency_penalty", "frequency_penalty is not supported; omit it or send 0");
        if (r.StreamOptions is not null && !r.Stream)
            throw new OpenAiRequestException("stream_options", "stream_options is only allowed when stream is true");
        // Without a seed each request samples afresh; with one, the same request gives the same tokens.
        long seed = r.Seed ?? Random.Shared.NextInt64();
        return new Sampling(temperature, r.TopP, n, seed, stops);
    }

    /// <summary>A log-probability count (top_logprobs, logprobs, prompt_logprobs) within what the sampler reports.</summary>
    public static int TopCount(string param, int value) =>
        value is >= 0 and <= CompletionSampler.MaxTopLogProbs
            ? value
            : throw new OpenAiRequestException(param, $"{param} must be between 0 and {CompletionSampler.MaxTopLogProbs}, got {value}");
}
