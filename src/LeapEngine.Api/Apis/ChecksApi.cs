using LeapEngine.Jobs.Checks;

namespace LeapEngine.Api.Apis;

/// <summary>POST /v1/checks/system-prompt-influence: the CI gate on how much system prompts drive completions.</summary>
public static class ChecksApi
{
    public static IEndpointRouteBuilder MapChecksApi(this IEndpointRouteBuilder app)
    {
        app.MapJobSubmission<InfluenceCheckRequest>("/v1/checks/system-prompt-influence")
            .WithTags("Checks")
            .WithName("CreateSystemPromptInfluenceCheck")
            .WithSummary("Check system-prompt influence against allowed ranges, case by case (a job)")
            .WithDescription("Each case gives a system prompt, a user prompt and the allowed range of log_prob_drop (the drop in " +
                             "the completion's log-probability when the system turn is removed) and/or attribution_share (the system " +
                             "segment's share of the absolute attribution mass). The result says passed per case and overall: " +
                             "gate CI on `jq -e '.result.passed'`. With `endpoint` instead of `model` the cases run against one of " +
                             "your endpoints (black-box attribution, metered in endpoint calls).");
        return app;
    }
}
