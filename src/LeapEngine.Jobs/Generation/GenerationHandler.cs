using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Generation;

/// <summary>
/// Text generation: progress in tokens, cancellable between tokens, metered as prompt tokens
/// plus generated tokens (each passes through the model once thanks to the KV cache).
/// </summary>
public sealed class GenerationHandler : IJobHandler<GenerationRequest>
{
    public const int MaxPromptChars = 20_000;
    public const int MaxNewTokens = 1024;
    /// <summary>
    /// Smallest temperature above 0: the sampler divides float32 logits by it, and below this the
    /// quotient can overflow to infinity (then NaN probabilities) while sampling is already greedy in all but name.
    /// </summary>
    public const double MinPositiveTemperature = 1e-3;

    public ValueTask<JobEstimate> ValidateAsync(JobValidation validation, GenerationRequest r, CancellationToken ct)
    {
        var model = validation.Model;
        if (r.Prompt is null) throw new JobRequestException("prompt", "prompt is required (use \"\" to start from BOS)");
        if (r.Prompt.Length > MaxPromptChars)
            throw new JobRequestException("prompt", $"prompt has {r.Prompt.Length} characters; at most {MaxPromptChars} are accepted");
        if (r.MaxTokens is < 1 or > MaxNewTokens)
            throw new JobRequestException("max_tokens", $"max_tokens must be between 1 and {MaxNewTokens}, got {r.MaxTokens}");
        if (double.IsNaN(r.Temperature) || r.Temperature is < 0 or > 2)
            throw new JobRequestException("temperature", $"temperature must be between 0 and 2, got {r.Temperature}");
        if (r.Temperature is > 0 and < MinPositiveTemperature)
            throw new JobRequestException("temperature",
                $"temperature must be 0 (greedy) or at least {MinPositiveTemperature}, got {r.Temperature}");
        if (r.TopK is < 0 or > 100_000) throw new JobRequestException("top_k", $"top_k must be between 0 and 100000, got {r.TopK}");
        if (r.TopP is { } p && (double.IsNaN(p) || p <= 0 || p > 1))
            throw new JobRequestException("top_p", $"top_p must be in (0, 1], got {p}");
        if (r.Seed < 0) throw new JobRequestException("seed", "seed must be >= 0");

        int promptTokens = model.PromptIds(r.Prompt).Length;
        int context = model.Config.ContextLength;
        if (promptTokens + r.MaxTokens > context)
            throw new JobRequestException(promptTokens >= context ? "prompt" : "max_tokens",
                $"the prompt has {promptTokens} tokens and max_tokens is {r.MaxTokens}; together they must fit the model's context of {context}");
        return ValueTask.FromResult(new JobEstimate(promptTokens, promptTokens + r.MaxTokens));
    }

    public Task<JobOutput> RunAsync(JobExecution job, GenerationRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        var prompt = model.PromptIds(r.Prompt ?? "");
        var options = new GenerationOptions
        {
            MaxNewTokens = r.MaxTokens, Temperature = r.Temperature, TopK = r.TopK, TopP = r.TopP, Seed = r.Seed, StopAtEos = r.StopAtEos,
        };
        job.Usage.Add(prompt.Length);
        int produced = 0;
        progress.Report(new ProgressUpdate(0, r.MaxTokens, "tokens"));
        var tokens = TextGenerator.Generate(model.Network, prompt, options, model.EosId, ct, (_, _) =>
        {
            produced++;
            job.Usage.Add(1);
            progress.Report(new ProgressUpdate(produced, r.MaxTokens, "tokens"));
        });
        bool eos = r.StopAtEos && tokens.Length > 0 && tokens[^1] == model.EosId;
        var text = model.Decode(eos ? tokens[..^1] : tokens);
        return Task.FromResult(new JobOutput(new GenerationResult(text, tokens, eos ? "eos" : "length", prompt.Length, tokens.Length)));
    }
}
