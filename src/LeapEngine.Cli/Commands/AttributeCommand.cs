using System.CommandLine;
using System.Text.Json;
using LeapEngine.Cli.Attribution;
using LeapEngine.Cli.Server;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.Attribution.Methods;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Commands;

/// <summary>leap attribute — which parts of the prompt made the model say this? (ItP or HiPe; a local model or an endpoint)</summary>
public static class AttributeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model id or path (a local model); or use --endpoint" };
        var text = CommonOptions.Text("Prompt text (the user segment)");
        var endpoint = new Option<string?>("--endpoint")
        {
            Description = "Explain a model behind an OpenAI-compatible endpoint: its base URL, e.g. https://api.openai.com/v1 (with --server: a registered endpoint's id, ep_…)",
        };
        var server = new Option<bool>("--server")
        {
            Description = "Run as a job on a LeapEngine server (LEAP_API_URL or --api-url; the key from LEAP_API_KEY or the variable --api-key-env names) " +
                          "against one of your registered endpoints (--endpoint ep_…); the server holds the endpoint's key and makes the calls",
        };
        var endpointModel = new Option<string?>("--endpoint-model") { Description = "The model name the endpoint serves (with --endpoint)" };
        var apiKeyEnv = new Option<string?>("--api-key-env")
        {
            Description = "The environment variable holding the key of where the calls go: the endpoint's (with --endpoint URL), the LeapEngine server's " +
                          $"(with --server; default {ServerOptions.KeyVariable})",
        };
        var messages = new Option<string?>("--messages") { Description = "JSON file: [{\"role\", \"content\"}...] or {\"messages\": [...], \"completion\": \"...\"} (with --endpoint)" };
        var scoring = new Option<string>("--scoring") { Description = "With --endpoint: auto, teacher_forced, regenerate_top_logprobs or text_similarity", DefaultValueFactory = _ => "auto" };
        var system = new Option<string?>("--system") { Description = "System prompt: attributed too, with its influence reported" };
        var method = new Option<string>("--method")
        {
            Description = string.Join("; ", AttributionMethods.Names.Select(n => $"{n}: {AttributionMethods.Get(n).Description}")), DefaultValueFactory = _ => "itp",
        };
        var unit = new Option<string>("--unit") { Description = "token, word or chunk:K (with --endpoint: word, sentence, message or endpoint_token)", DefaultValueFactory = _ => "word" };
        var perturb = new Option<string>("--perturb") { Description = "remove, token:X, nearest:N (-1 = farthest) or hide (with --endpoint: remove or replace:TEXT)", DefaultValueFactory = _ => "remove" };
        var template = new Option<string>("--template") { Description = "auto, plain, chatml or llama3 (with --endpoint: how teacher_forced renders the messages; default plain)", DefaultValueFactory = _ => "auto" };
        var completion = new Option<string?>("--completion") { Description = "Completion to explain (default: the model's greedy completion)" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Length of the greedy completion", DefaultValueFactory = _ => 16 };
        var faithfulness = new Option<bool>("--faithfulness") { Description = "Also compute deletion/insertion curves and ERASER metrics" };
        var json = new Option<string?>("--json") { Description = "Write the full result as JSON to this file" };
        var html = new Option<string?>("--html") { Description = "Write a self-contained HTML page (heatmap + unit x output matrix)" };
        var chunk = new Option<int?>("--hipe-chunk") { Description = "HiPe: units per first-stage chunk (default: half the units)" };
        var threshold = new Option<string?>("--hipe-threshold") { Description = "HiPe: midrange, static:X, either:X or relative:R (default: the engine's HiPe default; default mode only)" };
        var hipeMode = EnumOption.Create("--hipe-mode", "HiPe search: default (LeapEngine's) or pizza (as the PIZZA library runs it; reads only --hipe-chunk)", HipeMode.Default);
        var mode = EnumOption.Create("--mode", "How perturbed prompts are evaluated", EvaluationMode.BatchedPrefixCache);
        var noColor = new Option<bool>("--no-color") { Description = "Plain text heatmap: [unit score] instead of colours (also when NO_COLOR is set)" };
        var command = new Command("attribute", "Which parts of the prompt caused the completion? Perturbation attribution (ItP/HiPe)")
        {
            model, text, system, method, unit, perturb, template, completion, maxTokens, faithfulness, json, html, chunk, threshold, hipeMode, mode, noColor,
            endpoint, endpointModel, apiKeyEnv, messages, scoring, server, ServerOptions.ApiUrl, ServerOptions.Retries,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            bool onServer = parse.GetValue(server);
            if (onServer && parse.GetValue(endpoint) is null)
                throw new ArgumentException("--server explains one of your registered endpoints: give --endpoint ep_… (GET /v1/endpoints lists them); " +
                                            "for a served model use leap check or POST /v1/attributions");
            if (parse.GetValue(endpoint) is { } url)
            {
                if (parse.GetValue(model) is not null) throw new ArgumentException("give --model (a local model) or --endpoint, not both");
                if (parse.GetValue(html) is not null || parse.GetValue(faithfulness))
                    throw new ArgumentException("--html and --faithfulness are for a local model; an endpoint's result is the terminal report and --json");
                bool registered = url.StartsWith("ep_", StringComparison.Ordinal);
                if (onServer && !registered)
                    throw new ArgumentException($"with --server, --endpoint is one of your registered endpoints' ids (ep_…), got '{url}': register it with " +
                                                "POST /v1/endpoints (the server stores its key; docs/black-box.md), or leave out --server to call it from this machine");
                if (!onServer && registered)
                    throw new ArgumentException($"--endpoint {url} is an endpoint registered on a LeapEngine server, which holds its key: add --server " +
                                                $"(the server from ${ServerOptions.UrlVariable} or --api-url, its key from ${ServerOptions.KeyVariable})");
                if (onServer && parse.GetValue(endpointModel) is not null)
                    throw new ArgumentException("--endpoint-model is part of the registered endpoint (POST or PATCH /v1/endpoints); leave it out with --server");
                var file = EndpointAttribution.ReadMessages(parse.GetValue(messages)
                    ?? throw new ArgumentException("--endpoint needs --messages FILE (the chat messages to explain)"));
                var spec = onServer ? null : EndpointAttribution.Spec(url, parse.GetValue(endpointModel)
                    ?? throw new ArgumentException("--endpoint needs --endpoint-model NAME (the model name the endpoint serves)"), parse.GetValue(apiKeyEnv));
                var blackBox = new BlackBoxAttributionRequest
                {
                    Messages = file.Messages, Completion = parse.GetValue(completion) ?? file.Completion, Method = parse.GetValue(method)!,
                    Unit = parse.GetValue(unit)!, Perturbation = parse.GetValue(perturb)!, Scoring = parse.GetValue(scoring)!,
                    Template = parse.GetValue(template) is "auto" or null ? "plain" : parse.GetValue(template)!,
                    MaxNewTokens = parse.GetValue(maxTokens), Hipe = ParseHipe(parse.GetValue(chunk), parse.GetValue(threshold), EnumOption.Parse<HipeMode>(parse.GetValue(hipeMode), "--hipe-mode")),
                };
                var line = new StatusLine();
                BlackBoxAttributionResult found;
                string written;
                if (spec is null)
                {
                    blackBox.Validate();
                    using var client = ServerOptions.CreateClient(parse.GetValue(ServerOptions.ApiUrl), parse.GetValue(apiKeyEnv) ?? ServerOptions.KeyVariable,
                        parse.GetValue(ServerOptions.Retries));
                    var (id, sent, read) = await ServerEndpointAttribution.RunAsync(client, line, url, blackBox, "the black-box attribution job", ct);
                    line.Clear();
                    Console.WriteLine($"job {id} on {client.BaseAddress}");
                    (found, written) = (read, sent.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));   // the API's result, as sent
                }
                else
                {
                    found = await EndpointAttribution.RunAsync(spec, blackBox, line, ct);
                    written = EndpointAttribution.Json(found);
                }
                line.Clear();
                EndpointAttribution.Write(found, Console.Out);
                if (parse.GetValue(json) is { } path)
                {
                    await File.WriteAllTextAsync(path, written, ct);
                    Console.WriteLine($"wrote {Path.GetFullPath(path)}");
                }
                return 0;
            }
            var modelId = parse.GetValue(model) ?? throw new ArgumentException("give --model ID (a local model), or --endpoint URL with --endpoint-model and --messages");
            var request = new AttributionRequest
            {
                Text = parse.GetValue(text) ?? throw new ArgumentException("give the prompt with --text"),
                System = parse.GetValue(system),
                Method = parse.GetValue(method)!,
                Unit = parse.GetValue(unit)!,
                Perturbation = parse.GetValue(perturb)!,
                Template = parse.GetValue(template)!,
                Completion = parse.GetValue(completion),
                MaxNewTokens = parse.GetValue(maxTokens),
                Faithfulness = parse.GetValue(faithfulness),
                Hipe = ParseHipe(parse.GetValue(chunk), parse.GetValue(threshold), EnumOption.Parse<HipeMode>(parse.GetValue(hipeMode), "--hipe-mode")),
                Evaluation = new EvaluationOptions { Mode = EnumOption.Parse<EvaluationMode>(parse.GetValue(mode), "--mode") },
            };
            using var lm = await CliRunner.LoadModelAsync(parse, modelId, ct);
            request.Validate(lm);
            var status = new StatusLine();
            var progress = status.For<ProgressUpdate>(value => $"{value.Unit} {value.Done}/{value.Total}{(value.Message is { } m ? $"  {m}" : "")}");
            var result = AttributionEngine.Run(lm, request, progress, ct);
            status.Clear();
            bool color = !parse.GetValue(noColor) && Environment.GetEnvironmentVariable("NO_COLOR") is null && !Console.IsOutputRedirected;
            TerminalReport.Write(result, Console.Out, color);
            if (parse.GetValue(json) is { } jsonPath)
            {
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(result, SnakeCase.Indented), ct);
                Console.WriteLine($"wrote {Path.GetFullPath(jsonPath)}");
            }
            if (parse.GetValue(html) is { } htmlPath)
            {
                await File.WriteAllTextAsync(htmlPath, HtmlReport.Render(result), ct);
                Console.WriteLine($"wrote {Path.GetFullPath(htmlPath)}");
            }
            return 0;
        });
        return command;
    }

    private static HipeOptions ParseHipe(int? chunk, string? threshold, HipeMode mode)
    {
        if (mode == HipeMode.Pizza && threshold is not null)
            throw new ArgumentException("--hipe-threshold sets the default HiPe mode; --hipe-mode pizza always uses PIZZA's mid-range rule (leave one out)");
        var options = new HipeOptions { InitialChunkSize = chunk, Mode = mode };
        try { return threshold is null ? options : options.WithThreshold(threshold); }
        catch (ArgumentException e) { throw new ArgumentException($"--hipe-threshold: {e.Message}"); }
    }
}
