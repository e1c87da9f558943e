using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace LeapEngine.Api.Hosting;

/// <summary>Example request and response bodies in the OpenAPI document, by operation id.</summary>
internal sealed class OpenApiExamples : IOperationFilter
{
    private const string QueuedJob = """
        {"id":"job_786904ac55464d9cb4e944817e2fd7c3","object":"job","type":"generation","status":"queued","model":"stories260K",
         "created_at":1795613505,"progress":{"done":0,"total":0,"fraction":0},"queue_position":1,
         "usage":{"reserved_model_tokens":37},"cancel_requested":false,
         "request":{"model":"stories260K","prompt":"Once upon a time","max_tokens":32,"temperature":0,"seed":0,"stop_at_eos":true}}
        """;

    private const string FinishedJob = """
        {"id":"job_786904ac55464d9cb4e944817e2fd7c3","object":"job","type":"generation","status":"succeeded","model":"stories260K",
         "created_at":1795613505,"started_at":1795613506,"finished_at":1795613506,
         "progress":{"done":32,"total":32,"unit":"tokens","fraction":1},
         "usage":{"reserved_model_tokens":37,"model_tokens":37},"cancel_requested":false,
         "request":{"model":"stories260K","prompt":"Once upon a time","max_tokens":32,"temperature":0,"seed":0,"stop_at_eos":true},
         "result":{"text":", there was a little girl named Lily.","tokens":[432,383,286],"finish_reason":"length","prompt_tokens":5,"completion_tokens":32}}
        """;

    private static readonly Dictionary<string, string> RequestExamples = new()
    {
        ["CreateGeneration"] = """{"model":"stories260K","prompt":"Once upon a time","max_tokens":32,"temperature":0,"seed":0}""",
        ["CreateKey"] = """{"name":"ci","scopes":["read"],"expires_in_days":90}""",
        ["CreateTenantKey"] = """{"name":"acme-prod","scopes":["read","write"]}""",
        ["CreateTenant"] = """{"name":"Acme","plan":"pro"}""",
        ["UpdateTenant"] = """{"plan":"free"}""",
    };

    private static readonly Dictionary<string, string> ResponseExamples = new()
    {
        ["CreateGeneration"] = QueuedJob,
        ["GetJob"] = FinishedJob,
        ["CancelJob"] = FinishedJob.Replace("\"succeeded\"", "\"cancelled\""),
        ["ListJobs"] = $$"""{"object":"list","data":[{{FinishedJob}}],"has_more":false,"first_id":"job_786904ac55464d9cb4e944817e2fd7c3","last_id":"job_786904ac55464d9cb4e944817e2fd7c3"}""",
        ["CreateKey"] = """{"id":"key_0f1e2d3c4b5a69788796a5b4c3d2e1f0","object":"api_key.secret","key":"leap_k3j9x2ab_ZXhhbXBsZS1zZWNyZXQtbm90LXJlYWwtMDEyMzQ1Njc4OWFi","details":{"id":"key_0f1e2d3c4b5a69788796a5b4c3d2e1f0","object":"api_key","name":"ci","prefix":"leap_k3j9x2ab","scopes":["read"],"created_at":1795613505,"expires_at":1803389505}}""",
        ["GetUsage"] = """{"object":"usage","plan":"free","month":"2026-11","limits":{"max_prompt_tokens":256,"allowed_models":["stories260K"],"jobs_per_day":200,"concurrent_jobs":2,"compute_tokens_per_month":2000000,"requests_per_minute":60,"priority":2},"used_model_tokens":37,"reserved_model_tokens":0,"remaining_model_tokens":1999963,"jobs_today":1,"active_jobs":0,"jobs_succeeded":1,"jobs_failed":0}""",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId is not { } id) return;
        if (RequestExamples.TryGetValue(id, out var request) && operation.RequestBody?.Content is { } content)
            foreach (var media in content.Values.OfType<OpenApiMediaType>()) media.Example = JsonNode.Parse(request);
        if (ResponseExamples.TryGetValue(id, out var response) && operation.Responses is { } responses)
            foreach (var (code, r) in responses)
                if (code.StartsWith('2') && r.Content is { } c)
                    foreach (var media in c.Values.OfType<OpenApiMediaType>()) media.Example = JsonNode.Parse(response);
    }
}
