using LeapEngine.Core.Attribution;
using LeapEngine.Core.Attribution.Methods;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Attribution;

/// <summary>
/// Checks an attribution request before it is queued: the bounds that protect a worker (the
/// engine accepts any size; a hosted API must not), each enum-like field on its own so the
/// problem names it, then the engine's own checks (tokenising against the model's context).
/// Also gives the upper bound of model tokens the run can use, which is reserved from the plan.
/// </summary>
public static class AttributionLimits
{
    public const int MaxTextChars = 20_000;
    public const int MaxCompletionChars = 4_000;
    public const int MaxSegments = 16;
    public const int MaxSpans = 1_000;
    public const int MaxBatchSize = 64;
    public const int MaxBatchTokens = 65_536;
    public const int MaxHipeDepth = 64;
    public const int MaxFaithfulnessSteps = 100;
    public const int MaxEraserFractions = 10;

    /// <param name="path">JSON path prefix of the request in the body ("" at the root, "cases[2]." inside a check).</param>
    public static (AttributionPlan Plan, long MaxModelTokens) Check(AttributionRequest r, LanguageModel model, string path = "")
    {
        void Require(bool ok, string field, string message)
        {
            if (!ok) throw new JobRequestException(path + field, message);
        }
        Require(r.Text is null || r.Text.Length <= MaxTextChars, "text", $"text has {r.Text?.Length} characters; at most {MaxTextChars} are accepted");
        Require(r.System is null || r.System.Length <= MaxTextChars, "system", $"system has {r.System?.Length} characters; at most {MaxTextChars} are accepted");
        Require(r.Segments is null || r.Segments.Count <= MaxSegments, "segments", $"give at most {MaxSegments} segments");
        Require(r.Segments is null || r.Segments.All(s => s?.Text is null || s.Text.Length <= MaxTextChars), "segments",
            $"a segment's text may have at most {MaxTextChars} characters");
        Require(r.Spans is null || r.Spans.Count <= MaxSpans, "spans", $"give at most {MaxSpans} spans");
        Require(r.Spans is null || r.Spans.All(s => s is not null), "spans", "a span is null; give {\"segment\", \"start\", \"length\"}");
        Require(r.Completion is null || r.Completion.Length <= MaxCompletionChars, "completion",
            $"completion has {r.Completion?.Length} characters; at most {MaxCompletionChars} are accepted");
        Require(r.MaxNewTokens is >= 1 and <= AttributionRequest.MaxCompletionTokens, "max_new_tokens",
            $"max_new_tokens must be between 1 and {AttributionRequest.MaxCompletionTokens}, got {r.MaxNewTokens}");
        Require(r.Evaluation.MaxBatchSize is >= 1 and <= MaxBatchSize, "evaluation.max_batch_size",
            $"evaluation.max_batch_size must be between 1 and {MaxBatchSize}, got {r.Evaluation.MaxBatchSize}");
        Require(r.Evaluation.MaxBatchTokens is >= 1 and <= MaxBatchTokens, "evaluation.max_batch_tokens",
            $"evaluation.max_batch_tokens must be between 1 and {MaxBatchTokens}, got {r.Evaluation.MaxBatchTokens}");
        Require(r.Hipe.MaxDepth <= MaxHipeDepth, "hipe.max_depth", $"hipe.max_depth must be at most {MaxHipeDepth}, got {r.Hipe.MaxDepth}");
        Require(r.FaithfulnessOptions.Steps <= MaxFaithfulnessSteps, "faithfulness_options.steps",
            $"faithfulness_options.steps must be at most {MaxFaithfulnessSteps}, got {r.FaithfulnessOptions.Steps}");
        Require(r.FaithfulnessOptions.EraserFractions is { Count: <= MaxEraserFractions }, "faithfulness_options.eraser_fractions",
            $"give at most {MaxEraserFractions} eraser_fractions");

        Require(r.Completion is null || model.Encode(r.Completion, addBos: false).Count > 0, "completion",
            "the completion tokenizes to nothing; give a non-empty completion or leave it out");

        // Each field the engine parses, alone, so the 400 names the one at fault.
        Field(path + "method", () => AttributionMethods.Get(r.Method));
        Field(path + "unit", () => UnitSpec.Parse(r.Unit));
        Field(path + "perturbation", () => PerturbationSpec.Parse(r.Perturbation));
        Field(path + "template", () => ChatTemplate.Resolve(r.Template, model));
        Field(path + "hipe", r.Hipe.Validate);
        Field(path + "faithfulness_options", r.FaithfulnessOptions.Validate);
        Field(path + "evaluation", r.Evaluation.Validate);

        AttributionPlan plan = null!;
        // What is left is the prompt as a whole: empty, too long for the context, spans that miss their segment...
        Field(path + (r.Segments is null ? "text" : "segments"), () => plan = r.Plan(model));
        return (plan, MaxModelTokens(r, plan));
    }

    /// <summary>
    /// Upper bound of token positions the run pushes through the model: every evaluation the
    /// method can need (its own estimate, <see cref="AttributionRequest.MaxEvaluations"/>) costs
    /// at most prompt + completion positions (perturbations never lengthen the prompt), plus the
    /// greedy completion when the model writes it.
    /// </summary>
    public static long MaxModelTokens(AttributionRequest r, AttributionPlan plan)
    {
        long perEvaluation = plan.PromptTokens + plan.CompletionTokens;
        return r.MaxEvaluations(plan) * perEvaluation + (plan.GeneratesCompletion ? perEvaluation : 0);
    }

    private static void Field(string field, Action check)
    {
        try { check(); }
        catch (ArgumentException e) when (e is not JobRequestException)
        {
            throw new JobRequestException(field, e.Message);
        }
    }
}
