using LeapEngine.Core.Attribution;
using LeapEngine.Core.Attribution.Methods;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Prompt;
using LeapEngine.Core.BlackBox.Scoring;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Core.BlackBox;

/// <summary>
/// A black-box attribution: chat messages (with roles) to explain a completion of, the method,
/// units over the message contents, the text perturbation and the scoring mode ("auto": the
/// best the probe found).
/// </summary>
public sealed class BlackBoxAttributionRequest
{
    public const int MaxMessages = 32;
    public const int MaxMessageChars = 20_000;
    public const int MaxNewTokensLimit = 256;
    public const int MaxNoiseSamples = 10;

    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];
    /// <summary>The completion to explain; null = the endpoint's own temperature-0 completion.</summary>
    public string? Completion { get; init; }
    public string Method { get; init; } = "itp";
    public HipeOptions Hipe { get; init; } = new();
    /// <summary>word, sentence, message, spans (then <see cref="Spans"/>) or endpoint_token.</summary>
    public string Unit { get; init; } = "word";
    public IReadOnlyList<MessageSpan>? Spans { get; init; }
    /// <summary>remove or replace:TEXT.</summary>
    public string Perturbation { get; init; } = "remove";
    /// <summary>auto, teacher_forced, regenerate_top_logprobs or text_similarity.</summary>
    public string Scoring { get; init; } = "auto";
    /// <summary>How teacher_forced renders messages into the completions prompt: plain, chatml or llama3 (the endpoint model's own format).</summary>
    public string Template { get; init; } = "plain";
    public int MaxNewTokens { get; init; } = 16;
    /// <summary>Extra calls with the unperturbed messages, to measure how much the endpoint's scores move on their own.</summary>
    public int NoiseSamples { get; init; } = 2;

    /// <summary>The requested mode, or null for auto.</summary>
    public ScoringMode? ParsedScoring()
    {
        var s = (Scoring ?? "auto").Trim();
        if (s.Length == 0 || s.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        return SnakeCase.TryParse<ScoringMode>(s, out var mode) ? mode
            : throw new ArgumentException($"unknown scoring '{Scoring}'; use auto, {string.Join(", ", SnakeCase.Names<ScoringMode>())}");
    }

    /// <summary>The chat template teacher_forced renders with (auto is not possible: the endpoint's tokenizer is not ours).</summary>
    public ChatTemplate ParsedTemplate() => (Template ?? "plain").Trim().ToLowerInvariant() switch
    {
        "plain" => ChatTemplate.Plain,
        "chatml" => ChatTemplate.ChatMl,
        "llama3" or "llama-3" => ChatTemplate.Llama3,
        _ => throw new ArgumentException($"unknown template '{Template}'; use plain, chatml or llama3 (the format the endpoint's model reads)"),
    };

    /// <summary>Checks everything that does not need the endpoint; throws ArgumentException saying what to fix.</summary>
    public void Validate()
    {
        if (Messages is not { Count: > 0 }) throw new ArgumentException("messages is required: give at least one {role, content}");
        if (Messages.Count > MaxMessages) throw new ArgumentException($"give at most {MaxMessages} messages, got {Messages.Count}");
        for (int i = 0; i < Messages.Count; i++)
        {
            var m = Messages[i] ?? throw new ArgumentException($"messages[{i}] is null");
            if (string.IsNullOrWhiteSpace(m.Role)) throw new ArgumentException($"messages[{i}] needs a role (system, user, assistant)");
            if (m.Content is null) throw new ArgumentException($"messages[{i}] needs a content");
            if (m.Content.Length > MaxMessageChars) throw new ArgumentException($"messages[{i}] has {m.Content.Length} characters; at most {MaxMessageChars}");
        }
        if (Completion is { Length: 0 }) throw new ArgumentException("the completion is empty; give a non-empty completion or leave it out");
        AttributionMethods.Get(Method);
        Hipe.Validate();
        MessageUnits.Parse(Unit);
        TextPerturbation.Parse(Perturbation);
        ParsedScoring();
        ParsedTemplate();
        if (MaxNewTokens is < 1 or > MaxNewTokensLimit) throw new ArgumentException($"max new tokens must be in [1, {MaxNewTokensLimit}], got {MaxNewTokens}");
        if (NoiseSamples is < 0 or > MaxNoiseSamples) throw new ArgumentException($"noise samples must be in [0, {MaxNoiseSamples}], got {NoiseSamples}");
    }
}
