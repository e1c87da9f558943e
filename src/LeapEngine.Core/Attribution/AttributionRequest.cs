using LeapEngine.Core.Attribution.Methods;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Attribution;

/// <summary>
/// Everything an attribution needs besides the model. Plain properties so the API can take it
/// as JSON. The prompt is either <see cref="Text"/> (optionally with <see cref="System"/>) or
/// a list of named <see cref="Segments"/>.
/// </summary>
public sealed class AttributionRequest
{
    public const int MaxCompletionTokens = 256;

    public string? Text { get; init; }
    public string? System { get; init; }
    public IReadOnlyList<PromptSegment>? Segments { get; init; }
    /// <summary>auto (from the tokenizer), plain, chatml or llama3.</summary>
    public string Template { get; init; } = "auto";
    /// <summary>A registered method's name (<see cref="AttributionMethods"/>): itp or hipe.</summary>
    public string Method { get; init; } = "itp";
    /// <summary>token, word, chunk:K or spans (then <see cref="Spans"/>).</summary>
    public string Unit { get; init; } = "word";
    public IReadOnlyList<UnitSpan>? Spans { get; init; }
    /// <summary>remove, token:X, nearest:N or hide.</summary>
    public string Perturbation { get; init; } = "remove";
    /// <summary>The completion to explain; null = the model's own greedy completion.</summary>
    public string? Completion { get; init; }
    public int MaxNewTokens { get; init; } = 16;
    /// <summary>Start with BOS; null = the model's default (Llama yes, GPT-2 no).</summary>
    public bool? AddBos { get; init; }
    public HipeOptions Hipe { get; init; } = new();
    public bool Faithfulness { get; init; }
    public FaithfulnessOptions FaithfulnessOptions { get; init; } = new();
    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>Checks the request against the model without running it; throws ArgumentException saying what to fix.</summary>
    public void Validate(LanguageModel model) => Prepare(model);

    /// <summary>
    /// Validates like <see cref="Validate"/> and says how big the run will be, so a caller (the
    /// job layer) can check limits and reserve compute before running anything.
    /// </summary>
    public AttributionPlan Plan(LanguageModel model)
    {
        var prepared = Prepare(model);
        return new AttributionPlan(prepared.Ids.Length, prepared.Units.Count, prepared.Completion?.Length ?? MaxNewTokens,
            prepared.Completion is null, prepared.Segments.Any(s => s.Name.Equals("system", StringComparison.OrdinalIgnoreCase)));
    }

    internal IAttributionMethod ParsedMethod => AttributionMethods.Get(Method);

    /// <summary>
    /// Upper bound of evaluations (forward passes) the run needs: the method's own, the
    /// unperturbed prompt, the prompt without its system turn, the faithfulness curves.
    /// </summary>
    public long MaxEvaluations(AttributionPlan plan)
    {
        long evaluations = ParsedMethod.MaxEvaluations(plan.Units, new MethodSettings(Hipe));
        evaluations += 1 + (plan.HasSystemSegment ? 1 : 0);
        if (Faithfulness) evaluations += 2L * (FaithfulnessOptions.Steps + 1 + FaithfulnessOptions.EraserFractions.Count);
        return evaluations;
    }

    /// <summary>The segments of the prompt, from whichever form the caller used.</summary>
    public IReadOnlyList<PromptSegment> PromptSegments()
    {
        if (Segments is { } segments)
        {
            if (Text is not null || System is not null)
                throw new ArgumentException("give either segments or text (with an optional system prompt), not both");
            if (segments.Count == 0) throw new ArgumentException("segments is empty; give at least one segment");
            foreach (var s in segments)
                if (string.IsNullOrWhiteSpace(s?.Name)) throw new ArgumentException("every segment needs a name (e.g. system, user)");
            var duplicate = segments.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new ArgumentException($"segment name '{duplicate.Key}' is used twice");
            if (segments.Any(s => s.Text is null)) throw new ArgumentException("every segment needs a text");
            return segments;
        }
        if (Text is null) throw new ArgumentException("the prompt is missing: give text or segments");
        return string.IsNullOrEmpty(System)
            ? [new PromptSegment("user", Text)]
            : [new PromptSegment("system", System), new PromptSegment("user", Text)];
    }

    /// <summary>Parses and checks everything; tokenizes the prompt (and a given completion).</summary>
    internal PreparedPrompt Prepare(LanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _ = ParsedMethod;
        var unit = UnitSpec.Parse(Unit);
        var perturbation = PerturbationSpec.Parse(Perturbation);
        Hipe.Validate();
        FaithfulnessOptions.Validate();
        Evaluation.Validate();
        if (MaxNewTokens < 1 || MaxNewTokens > MaxCompletionTokens)
            throw new ArgumentException($"max new tokens must be in [1, {MaxCompletionTokens}], got {MaxNewTokens}");
        var segments = PromptSegments();
        if (segments.All(s => string.IsNullOrWhiteSpace(s.Text))) throw new ArgumentException("the prompt is empty: there is nothing to attribute");

        var template = ChatTemplate.Resolve(Template, model);
        var rendered = template.Render(segments);
        var encoded = model.Encode(rendered.Text, rendered.StartsWithBos ? false : AddBos);
        var units = UnitBuilder.Build(encoded, rendered, unit, Spans);
        int[]? completion = null;
        if (Completion is not null)
        {
            completion = model.ContinuationIds(Completion);   // it follows the prompt: no dummy-prefix space
            if (completion.Length == 0) throw new ArgumentException($"the completion '{Completion}' tokenizes to nothing; give a non-empty completion or leave it out");
            if (completion.Length > MaxCompletionTokens)
                throw new ArgumentException($"the completion has {completion.Length} tokens; at most {MaxCompletionTokens} are scored");
        }
        int completionLength = completion?.Length ?? MaxNewTokens;
        int context = model.Config.ContextLength;
        if (encoded.Count + completionLength > context)
            throw new ArgumentException(
                $"the prompt has {encoded.Count} tokens and the completion {completionLength}: {encoded.Count + completionLength} exceed " +
                $"{model.Id}'s context of {context} tokens; shorten the prompt{(completion is null ? " or lower max new tokens" : "")}");
        if (perturbation.Kind == PerturbationKind.ReplaceToken) Perturber.ResolveToken(model, perturbation.Token!);
        return new PreparedPrompt(segments, template, rendered, encoded.Ids.ToArray(), units, unit, perturbation, completion);
    }
}

/// <summary>The size of a checked request: prompt tokens, units, completion tokens (given, or at most max new tokens).</summary>
public sealed record AttributionPlan(int PromptTokens, int Units, int CompletionTokens, bool GeneratesCompletion, bool HasSystemSegment);

/// <summary>A request checked against the model: the rendered, tokenized prompt and its units.</summary>
internal sealed record PreparedPrompt(
    IReadOnlyList<PromptSegment> Segments, ChatTemplate Template, RenderedPrompt Rendered, int[] Ids,
    IReadOnlyList<AttributionUnit> Units, UnitSpec Unit, PerturbationSpec Perturbation, int[]? Completion);
