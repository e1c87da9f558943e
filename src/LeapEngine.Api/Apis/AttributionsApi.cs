using LeapEngine.Jobs.Attribution;

namespace LeapEngine.Api.Apis;

/// <summary>POST /v1/attributions: prompt attribution (ItP or HiPe) as a job; the result is the heatmap data.</summary>
public static class AttributionsApi
{
    public static IEndpointRouteBuilder MapAttributionsApi(this IEndpointRouteBuilder app)
    {
        app.MapJobSubmission<AttributionJobRequest>("/v1/attributions")
            .WithTags("Attributions")
            .WithName("CreateAttribution")
            .WithSummary("Attribute a completion to the parts of its prompt (a job)")
            .WithDescription("Queues an attribution job (progress in forward passes) and answers 202 with the job object. The finished " +
                             "job's result holds per-unit scores with character spans (the heatmap), the unit x output-token matrix, " +
                             "per-segment totals and, with a system prompt, the system-prompt influence.");
        return app;
    }
}
