using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace LeapEngine.Api.Hosting;

/// <summary>Example request and response bodies in the OpenAPI document, by operation id.</summary>
internal sealed class OpenApiExamples : IOperationFilter
{
    private const string QueuedJob = """
        {"id":"job_786904ac55464d9cb4e944817e2fd7c3","object":"job","type":"generation","status":"queued","model":"stories260K",
         "created_at":1795613505,"progress":{"done":0,"total":0,"fraction":0},"queue_position":1,"queue_state":"waiting",
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

    private const string Dictionary = """
        {"id":"dict_786904ac55464d9cb4e944817e2fd7c3","object":"dictionary","name":"stories","model":"stories260K","hook":"blocks.2.hook_resid_post",
         "created_at":1795613505,"job_id":"job_786904ac55464d9cb4e944817e2fd7c3","regions":1873,
         "info":{"format":"leapengine.exemplar-partition/1","model_id":"stories260K","hook":"blocks.2.hook_resid_post","metric":"cosine",
                 "positions":"all_but_bos","width":64,"theta":0.31,"percentile":5,"context_length":64,"corpus_description":"",
                 "build":{"tokens":48213,"batches":47,"stop_reason":"corpus exhausted","calibration_tokens":4102,"seconds":3.2,"buffer_growths":5}},
         "metrics":{"regions":1873,"tokens":48213,"coverage":0.961,"singletons":602,"gini":0.71,"effective_regions":640.2,
                    "mean_intra_distance":0.18,"separation_ratio":1.9,"min_separation_ratio":1.0}}
        """;

    private const string Key = """
        {"id":"key_ff6310d876b246c0965b47e20a8e9dfd","object":"api_key","name":"ci","prefix":"leap_2iqsf7am","scopes":["read","write"],
         "tenant":"ten_f833f2c7259c44f99fc58f8c6ba2e19a","created_at":1795618753,"expires_at":null,"revoked_at":null}
        """;

    private const string Tenant = """{"id":"ten_f833f2c7259c44f99fc58f8c6ba2e19a","object":"tenant","name":"researcher","plan":"free","created_at":1795618753,"active_jobs":0}""";

    private const string Endpoint = """
        {"id":"ep_3a1f0c9d8e7b46a5b4c3d2e1f0a9b8c7","object":"endpoint","name":"prod chat","base_url":"https://api.openai.com/v1","model":"gpt-4o-mini",
         "has_api_key":true,"header_names":["OpenAI-Organization"],"max_concurrency":4,"timeout_seconds":60,"created_at":1795613505,"updated_at":1795613505}
        """;

    private const string ProbedEndpoint = """
        {"id":"ep_3a1f0c9d8e7b46a5b4c3d2e1f0a9b8c7","object":"endpoint","name":"prod chat","base_url":"https://api.openai.com/v1","model":"gpt-4o-mini",
         "has_api_key":true,"header_names":["OpenAI-Organization"],"max_concurrency":4,"timeout_seconds":60,"created_at":1795613505,"updated_at":1795613505,
         "probed_at":1795613600,"capabilities":{"chat_logprobs":true,"top_logprobs":20,"completions_echo":false,"prompt_logprobs":false,"tokenize":false,
         "deterministic_at_temperature_zero":true,"scoring_mode":"regenerate_top_logprobs",
         "notes":["completions with echo: completions: the endpoint refused the request (404): This is a chat model and not supported in the v1/completions endpoint."],"calls":6}}
        """;

    /// <summary>Server-sent events are text, not JSON: shown as a string.</summary>
    private const string Events = "id: 1\nevent: progress\ndata: {\"id\":\"job_786904ac55464d9cb4e944817e2fd7c3\",\"status\":\"running\",\"progress\":{\"done\":12,\"total\":32,\"unit\":\"tokens\"}}\n\nid: 2\nevent: done\ndata: {\"id\":\"job_786904ac55464d9cb4e944817e2fd7c3\",\"status\":\"succeeded\"}\n\n";

    private static readonly Dictionary<string, string> RequestExamples = new()
    {
        ["CreateGeneration"] = """{"model":"stories260K","prompt":"Once upon a time","max_tokens":32,"temperature":0,"seed":0}""",
        ["CreateAttribution"] = """{"model":"stories260K","system":"You tell short stories.","text":"Once upon a time there was a little girl","method":"itp","unit":"word","perturbation":"remove","max_new_tokens":8}""",
        ["CreateOptimisation"] = """{"model":"stories260K","target":" ball","search":{"type":"hybrid","variant":"anchored","descent_steps":1,"nearest_tokens":4},"length":4,"steps":100,"candidates":8,"max_work":100000,"seed":0}""",
        ["CreateSystemPromptInfluenceCheck"] = """{"model":"stories260K","max_new_tokens":8,"cases":[{"name":"greeting","system":"You are a kind storyteller.","user":"Once upon a time","log_prob_drop":{"max":5.0},"attribution_share":{"min":0.0,"max":0.6}}]}""",
        ["CreateDictionary"] = """{"model":"stories260K","name":"stories","texts":["Tom saw a big dog.","Lily liked to play in the park."],"hook":"blocks.2.hook_resid_post","metric":"cosine","percentile":5,"context_length":64}""",
        ["AssignDictionary"] = """{"texts":["Tom saw a big red ball."],"readout":"cosine"}""",
        ["ScoreDictionary"] = """{"texts":["Tom saw a big red ball."],"out_of_set_texts":["The compiler emits a warning for unused variables."]}""",
        ["SteerDictionary"] = """{"prompt":"Once upon a time","region":12,"alpha":8.0,"target":" there was","max_new_tokens":16}""",
        ["AblateDictionary"] = """{"prompt":"Once upon a time","regions":[12,40],"target":" there was","max_new_tokens":16}""",
        ["MatchDictionary"] = """{"other_dictionary_id":"dict_5d0c3b2a19f84e6a8c7b6a5948372615","threshold":0.7}""",
        ["CreateKey"] = """{"name":"ci","scopes":["read"],"expires_in_days":90}""",
        ["CreateTenantKey"] = """{"name":"acme-prod","scopes":["read","write"]}""",
        ["CreateTenant"] = """{"name":"Acme","plan":"pro"}""",
        ["UpdateTenant"] = """{"plan":"free"}""",
        ["CreateEndpoint"] = """{"name":"prod chat","base_url":"https://api.openai.com/v1","model":"gpt-4o-mini","api_key":"sk-example-not-real","headers":{"OpenAI-Organization":"org-example"},"max_concurrency":4,"timeout_seconds":60}""",
        ["UpdateEndpoint"] = """{"api_key":"sk-rotated-example-not-real","max_concurrency":8}""",
        ["CreateChatCompletion"] = """{"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":16,"temperature":0,"logprobs":true,"top_logprobs":2}""",
        ["CreateCompletion"] = """{"model":"stories260K","prompt":"Once upon a time","max_tokens":0,"echo":true,"logprobs":1}""",
    };

    private static readonly Dictionary<string, string> ResponseExamples = new()
    {
        ["CreateGeneration"] = QueuedJob,
        ["GetJob"] = FinishedJob,
        ["CreateAttribution"] = QueuedJob.Replace("\"generation\"", "\"attribution\""),
        ["CreateOptimisation"] = QueuedJob.Replace("\"generation\"", "\"prompt_optimisation\"").Replace(
            "\"prompt\":\"Once upon a time\",\"max_tokens\":32,\"temperature\":0,\"seed\":0,\"stop_at_eos\":true",
            "\"target\":\" ball\",\"search\":{\"type\":\"hybrid\",\"variant\":\"anchored\",\"descent_steps\":1,\"nearest_tokens\":4},\"length\":4,\"steps\":100,\"candidates\":8,\"max_work\":100000,\"seed\":0"),
        ["CreateSystemPromptInfluenceCheck"] = QueuedJob.Replace("\"generation\"", "\"system_prompt_influence\""),
        ["CreateDictionary"] = QueuedJob.Replace("\"generation\"", "\"dictionary_build\""),
        ["GetDictionary"] = Dictionary,
        ["ListDictionaries"] = $$"""{"object":"list","data":[{{Dictionary}}],"has_more":false,"first_id":"dict_786904ac55464d9cb4e944817e2fd7c3","last_id":"dict_786904ac55464d9cb4e944817e2fd7c3"}""",
        ["ListDictionaryRegions"] = """{"object":"list","data":[{"id":0,"object":"region","count":412,"mean_distance":0.21,"coherence":0.83,"examples":{"exemplar":{"snippet":"Once upon a time, there was a little [girl] named Lily","token":"girl","distance":0},"closest":[{"snippet":"a little [boy] named Tom","token":"boy","distance":0.05}],"farthest":[]}}],"has_more":true,"first_id":"0","last_id":"0"}""",
        ["CancelJob"] = FinishedJob.Replace("\"succeeded\"", "\"cancelled\""),
        ["ListJobs"] = $$"""{"object":"list","data":[{{FinishedJob}}],"has_more":false,"first_id":"job_786904ac55464d9cb4e944817e2fd7c3","last_id":"job_786904ac55464d9cb4e944817e2fd7c3"}""",
        ["CreateKey"] = """{"id":"key_0f1e2d3c4b5a69788796a5b4c3d2e1f0","object":"api_key.secret","key":"leap_k3j9x2ab_ZXhhbXBsZS1zZWNyZXQtbm90LXJlYWwtMDEyMzQ1Njc4OWFi","details":{"id":"key_0f1e2d3c4b5a69788796a5b4c3d2e1f0","object":"api_key","name":"ci","prefix":"leap_k3j9x2ab","scopes":["read"],"created_at":1795613505,"expires_at":1803389505}}""",
        ["CreateChatCompletion"] = """{"id":"cmpl-5c4f1e2d3c4b5a69788796a5b4c3d2e1","object":"chat.completion","created":1795613505,"model":"stories260K","system_fingerprint":null,"choices":[{"index":0,"message":{"role":"assistant","content":" there was a little girl","refusal":null},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":6,"completion_tokens":16,"total_tokens":22}}""",
        ["CreateCompletion"] = """{"id":"cmpl-5c4f1e2d3c4b5a69788796a5b4c3d2e1","object":"text_completion","created":1795613505,"model":"stories260K","system_fingerprint":null,"choices":[{"index":0,"text":"Once upon a time","logprobs":{"tokens":["<s>"," Once"," upon"," a"," time"],"token_logprobs":[null,-2.91,-0.02,-0.01,-0.01],"top_logprobs":[null,{" Once":-2.91},{" upon":-0.02},{" a":-0.01},{" time":-0.01}],"text_offset":[0,0,4,9,11]},"finish_reason":"length","prompt_logprobs":null}],"usage":{"prompt_tokens":5,"completion_tokens":0,"total_tokens":5}}""",
        ["CreateTenantKey"] = """{"id":"key_0f1e2d3c4b5a69788796a5b4c3d2e1f0","object":"api_key.secret","key":"leap_k3j9x2ab_ZXhhbXBsZS1zZWNyZXQtbm90LXJlYWwtMDEyMzQ1Njc4OWFi","details":{"id":"key_0f1e2d3c4b5a69788796a5b4c3d2e1f0","object":"api_key","name":"ci","prefix":"leap_k3j9x2ab","scopes":["read"],"created_at":1795613505,"expires_at":1803389505}}""",
        ["ListModels"] = """{"object":"list","data":[{"id":"stories260K","object":"model","created":1767225600,"owned_by":"leapengine","class":"small","description":"llama2.c TinyStories, 260K parameters","available":true,"source":"embedded","context_length":512,"vocab_size":512,"architecture":"llama"},{"id":"gpt2","object":"model","created":1767225600,"owned_by":"leapengine","class":"large","description":"GPT-2 small","available":false,"error":"model 'gpt2' is not available on this server: its files are not provisioned and this server does not download models. An operator provides it by putting config.json, vocab.json, merges.txt and model.safetensors in the folder 'gpt2' under the models folder (Leap:Models:ModelsDir or LEAP_MODELS_DIR), or allow downloads from the hub (Leap:Models:Offline=false); see docs/serving-models.md. GET /v1/models lists the models that are available."}]}""",
        ["ListKeys"] = $$"""{"object":"list","data":[{{Key}}],"has_more":false,"first_id":"key_ff6310d876b246c0965b47e20a8e9dfd","last_id":"key_ff6310d876b246c0965b47e20a8e9dfd"}""",
        ["ListTenantKeys"] = $$"""{"object":"list","data":[{{Key}}],"has_more":false,"first_id":"key_ff6310d876b246c0965b47e20a8e9dfd","last_id":"key_ff6310d876b246c0965b47e20a8e9dfd"}""",
        ["RevokeKey"] = Key.Replace("\"revoked_at\":null", "\"revoked_at\":1795619000"),
        ["RevokeAnyKey"] = Key.Replace("\"revoked_at\":null", "\"revoked_at\":1795619000"),
        ["ListPlans"] = """{"object":"list","data":{"free":{"max_prompt_tokens":256,"allowed_models":["stories260K"],"jobs_per_day":200,"concurrent_jobs":2,"compute_tokens_per_month":2000000,"requests_per_minute":60,"priority":2},"pro":{"max_prompt_tokens":4096,"allowed_models":[],"jobs_per_day":100000,"concurrent_jobs":16,"compute_tokens_per_month":2000000000,"requests_per_minute":600,"priority":1}}}""",
        ["ListTenants"] = $$"""{"object":"list","data":[{{Tenant}}],"has_more":false,"first_id":"ten_f833f2c7259c44f99fc58f8c6ba2e19a","last_id":"ten_f833f2c7259c44f99fc58f8c6ba2e19a"}""",
        ["GetTenant"] = Tenant,
        ["CreateTenant"] = Tenant,
        ["UpdateTenant"] = Tenant.Replace("\"free\"", "\"pro\""),
        ["AssignDictionary"] = QueuedJob.Replace("\"generation\"", "\"dictionary_assign\""),
        ["ScoreDictionary"] = QueuedJob.Replace("\"generation\"", "\"dictionary_score\""),
        ["SteerDictionary"] = QueuedJob.Replace("\"generation\"", "\"dictionary_steer\""),
        ["AblateDictionary"] = QueuedJob.Replace("\"generation\"", "\"dictionary_ablate\""),
        ["MatchDictionary"] = QueuedJob.Replace("\"generation\"", "\"dictionary_match\""),
        ["GetUsage"] = """{"object":"usage","plan":"free","month":"2026-11","limits":{"max_prompt_tokens":256,"allowed_models":["stories260K"],"jobs_per_day":200,"concurrent_jobs":2,"compute_tokens_per_month":2000000,"requests_per_minute":60,"held_connections":10,"endpoint_calls_per_month":10000,"max_endpoints":10,"priority":2},"used_model_tokens":37,"reserved_model_tokens":0,"remaining_model_tokens":1999963,"jobs_today":1,"active_jobs":0,"jobs_succeeded":1,"jobs_failed":0,"used_endpoint_calls":6,"reserved_endpoint_calls":0,"remaining_endpoint_calls":9994}""",
        ["CreateEndpoint"] = Endpoint,
        ["GetEndpoint"] = ProbedEndpoint,
        ["UpdateEndpoint"] = Endpoint,
        ["ProbeEndpoint"] = ProbedEndpoint,
        ["ListEndpoints"] = $$"""{"object":"list","data":[{{ProbedEndpoint}}],"has_more":false,"first_id":"ep_3a1f0c9d8e7b46a5b4c3d2e1f0a9b8c7","last_id":"ep_3a1f0c9d8e7b46a5b4c3d2e1f0a9b8c7"}""",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.OperationId is not { } id) return;
        if (RequestExamples.TryGetValue(id, out var request) && operation.RequestBody?.Content is { } content)
            foreach (var media in content.Values.OfType<OpenApiMediaType>()) media.Example = JsonNode.Parse(request);
        if (id == "JobEvents" && operation.Responses is { } sse)
            foreach (var (code, r) in sse)
                if (code.StartsWith('2') && r.Content is { } c)
                    foreach (var media in c.Values.OfType<OpenApiMediaType>()) media.Example = JsonValue.Create(Events);
        if (ResponseExamples.TryGetValue(id, out var response) && operation.Responses is { } responses)
            foreach (var (code, r) in responses)
                if (code.StartsWith('2') && r.Content is { } c)
                    foreach (var media in c.Values.OfType<OpenApiMediaType>()) media.Example = JsonNode.Parse(response);
    }
}
