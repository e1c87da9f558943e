using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Api.OpenAi;

/// <summary>The OpenAI-compatible routes' settings (section Leap:OpenAi; docs/openai.md).</summary>
public sealed class OpenAiOptions
{
    public const string Section = "Leap:OpenAi";

    /// <summary>
    /// The most model tokens one synchronous request may run: the sum over its prompts of prompt tokens plus
    /// n x max_tokens. Larger work belongs in a job (POST /v1/generations), which the error says.
    /// </summary>
    [Range(1, 10_000_000)] public long MaxModelTokensPerRequest { get; set; } = 32_768;

    /// <summary>The most choices (n) one request may ask for.</summary>
    [Range(1, 128)] public int MaxChoices { get; set; } = 8;

    /// <summary>The most prompts one completions request may batch (prompt as a list).</summary>
    [Range(1, 128)] public int MaxPrompts { get; set; } = 16;

    /// <summary>How long a request waits for a free instance of its model before a 503 with Retry-After.</summary>
    [Range(1, 600)] public int ModelWaitSeconds { get; set; } = 30;

    /// <summary>
    /// libtorch intra-op threads for each completion's model work. One by default: a served model's ops on one prompt
    /// are too small for more to help much, their idle threads spin, and concurrent requests then each keep a core busy.
    /// More can lower one request's latency on a large model served to few clients at once.
    /// </summary>
    [Range(1, 64)] public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Megabytes of recent prompts' keys/values kept so that a prompt repeating another's first tokens runs only the rest
    /// (prefix caching; a perturbation workload repeats the original prompt up to each change). Shared within one tenant
    /// and model only; held on the model's device; 0 turns it off. Reused tokens are not metered (docs/openai.md). Size it
    /// for a few prompts of the model: on a CPU, hundreds of live entries slow the allocator for every pass.
    /// </summary>
    [Range(0, 1_048_576)] public int PromptCacheMegabytes { get; set; } = 16;

    /// <summary>
    /// Models served under another name with a hidden system prompt, by alias
    /// (Leap:OpenAi:Aliases:&lt;alias&gt;:Model and :HiddenSystemPrompt).
    /// </summary>
    public Dictionary<string, ModelAlias> Aliases { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// A served model under another name, with a system prompt the client never sees: it is prepended to
/// every request on the alias, never returned (not by echo, not by prompt log-probs) and never logged.
/// </summary>
public sealed class ModelAlias
{
    /// <summary>The served model (Leap:Models:Served) that runs the requests.</summary>
    [Required] public string Model { get; set; } = "";
    /// <summary>Prepended as a system message (chat) or as text before the prompt (completions).</summary>
    public string HiddenSystemPrompt { get; set; } = "";
    /// <summary>Shown in GET /v1/models.</summary>
    public string? Description { get; set; }
}
