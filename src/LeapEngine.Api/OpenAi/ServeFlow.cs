using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Metering;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.OpenAi;

/// <summary>A request admitted to run: its plan, its meter and what answering needs.</summary>
public sealed record ServeSession(HttpContext Http, ServePlan Plan, ServedTarget Target, LanguageModel Tokenizing, UsageMeter Usage,
    CompletionRunner Runner, string Id, long Created)
{
    public TokenFormat Tokens { get; } = new(Tokenizing);
    public CancellationToken Aborted => Http.RequestAborted;
    public int PromptTokens => Plan.Prompts.Sum(p => p.Ids.Length);
    /// <summary>Prompt tokens that came from the prompt cache so far (OpenAI's usage.prompt_tokens_details.cached_tokens).</summary>
    public int CachedTokens { get; private set; }

    /// <summary>Runs the plan (<see cref="CompletionRunner.RunAsync"/>), counting the cached prompt tokens on the way.</summary>
    public Task RunAsync(Func<ServeEvent, ValueTask> sink, Func<Task>? leased = null) =>
        Runner.RunAsync(Plan, Usage, e =>
        {
            if (e is PromptRead read) CachedTokens += read.CachedTokens;
            return sink(e);
        }, Aborted, leased);

    public CompletionUsageView UsageView(int completionTokens) => CompletionUsageView.Of(PromptTokens, completionTokens, CachedTokens);
}

/// <summary>
/// The steps every OpenAI-compatible generation route takes, in order: read the body strictly, find the caller's
/// plan, resolve the model (or alias), validate and bound the work, admit it (slot and reservation), run it, and
/// settle the reservation to what ran, however the request ends. Refusals before the answer starts are
/// problems with an OpenAI error object (<see cref="OpenAiErrors"/>).
/// </summary>
public static class ServeFlow
{
    public delegate ServePlan Planner<in TRequest>(TRequest request, Sampling sampling, LanguageModel model, ServedTarget target,
        OpenAiOptions options);

    public static async Task<IResult> RunAsync<TRequest>(HttpContext http, Planner<TRequest> plan,
        Func<TRequest, ServeSession, Task<IResult>> respond)
        where TRequest : class, ISamplingRequest
    {
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<OpenAiOptions>>().Value;
        var admission = services.GetRequiredService<ServeAdmission>();
        var body = await JsonBody.ReadAsync<TRequest>(http.Request, http.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        var (caller, refused) = await admission.CallerAsync(http);
        if (refused is not null) return refused;

        ServePlan work;
        ServedTarget target;
        LanguageModel model;
        try
        {
            var request = body.Value!;
            var sampling = Sampling.From(request, options);
            target = services.GetRequiredService<ServedTargets>().Find(request.Model) ?? throw new UnknownModelException(request.Model);
            if (!target.AllowedBy(caller!.Plan))
                return Problems.Forbidden($"the '{caller.Tenant.Plan}' plan does not include model '{target.Name}'");
            model = await services.GetRequiredService<ModelPool>().ForValidationAsync(target.ModelId, http.RequestAborted);
            work = plan(request, sampling, model, target, options) with { CacheScope = $"{target.ModelId}\n{caller.Tenant.Id}" };
            CheckSize(work, model, caller.Plan.MaxPromptTokens, caller.Tenant.Plan, options);
        }
        catch (OpenAiRequestException e)
        {
            return Problems.Validation(e.Message, e.Param);
        }
        catch (UnknownModelException e)
        {
            return Problems.ModelNotFound(e.Model);
        }

        var (admitted, problem) = await admission.AdmitAsync(caller, work.MaxModelTokens, http.RequestAborted);
        if (problem is not null) return problem;
        var usage = new UsageMeter(admitted!.Reserved);
        try
        {
            var session = new ServeSession(http, work, target, model, usage, services.GetRequiredService<CompletionRunner>(),
                NewId(), OpenAiJson.UnixNow());
            return await respond(body.Value!, session);
        }
        catch (ModelBusyException e)
        {
            return Problems.Unavailable(e.Message, retryAfterSeconds: 5);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer. Generation stopped at the next token; it is charged below.
            return Results.Empty;
        }
        finally
        {
            await admitted.SettleAsync(usage.Tokens);
        }
    }

    private static string NewId() => $"cmpl-{Guid.NewGuid():N}";

    /// <summary>The plan's prompt limit, the model's context, and the synchronous size bound (larger work is a job).</summary>
    private static void CheckSize(ServePlan work, LanguageModel model, int maxPromptTokens, string planName, OpenAiOptions options)
    {
        foreach (var prompt in work.Prompts)
        {
            int tokens = prompt.Ids.Length;
            if (tokens > maxPromptTokens)
                throw new OpenAiRequestException("prompt", $"a prompt has {tokens} tokens; the '{planName}' plan allows at most {maxPromptTokens}");
            int context = model.Config.ContextLength;
            if (tokens + work.MaxTokens > context)
                throw new OpenAiRequestException(tokens >= context ? "prompt" : "max_tokens",
                    $"the prompt has {tokens} tokens and max_tokens is {work.MaxTokens}; together they must fit the model's context of {context}");
        }
        if (work.MaxModelTokens > options.MaxModelTokensPerRequest)
            throw new OpenAiRequestException("max_tokens",
                $"this request may run {work.MaxModelTokens} model tokens (prompt tokens + n x max_tokens, per prompt); a synchronous " +
                $"completion runs at most {options.MaxModelTokensPerRequest}: lower n or max_tokens, or submit the work as a job " +
                "(POST /v1/generations, docs/api.md)");
    }

    private sealed class UnknownModelException(string model) : Exception(model)
    {
        public string Model { get; } = model;
    }
}
