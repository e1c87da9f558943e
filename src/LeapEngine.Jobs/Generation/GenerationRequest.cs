using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Generation;

/// <summary>POST /v1/generations: continue a prompt. The engine's smallest job, and the one that proves the machinery.</summary>
public sealed class GenerationRequest : IJobRequest
{
    /// <summary>Served model id (GET /v1/models).</summary>
    public string Model { get; set; } = "";
    /// <summary>Text to continue (at most 20,000 characters; its token count is checked against the plan and the model's context).</summary>
    public string? Prompt { get; set; }
    /// <summary>New tokens to generate, 1 to 1024 (and prompt + max_tokens within the model's context).</summary>
    public int MaxTokens { get; set; } = 64;
    /// <summary>0 is greedy; at most 2.</summary>
    public double Temperature { get; set; }
    public int? TopK { get; set; }
    public double? TopP { get; set; }
    public long Seed { get; set; }
    /// <summary>Stop at the end-of-sequence token.</summary>
    public bool StopAtEos { get; set; } = true;
}

/// <summary>The result of a generation job.</summary>
public sealed record GenerationResult(
    string Text,
    IReadOnlyList<int> Tokens,
    string FinishReason,
    int PromptTokens,
    int CompletionTokens);
