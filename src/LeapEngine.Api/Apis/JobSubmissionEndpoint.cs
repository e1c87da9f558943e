using System.Text.Json;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Data;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Submission;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>
/// The one way a resource creates a job: <c>app.MapJobSubmission&lt;TRequest&gt;("/v1/attributions")</c>; the job type is the
/// one registered for <c>TRequest</c> (<see cref="JobTypeRegistry.NameOf{TRequest}"/>), so its name is written once.
/// Reads and validates the body, honours Idempotency-Key, reserves quota, enqueues, and answers
/// 202 with the job object and a Location to poll.
/// </summary>
public static class JobSubmissionEndpoint
{
    /// <param name="fromRoute">Copies route values into the request, e.g. for "/v1/dictionaries/{id}/assign":
    /// <c>(http, r) =&gt; r.DictionaryId = (string)http.Request.RouteValues["id"]!</c>. It runs after the body is read
    /// and before validation, so the handler checks those values (and their owner) like any other field.</param>
    public static RouteHandlerBuilder MapJobSubmission<TRequest>(this IEndpointRouteBuilder app, string pattern,
        Action<HttpContext, TRequest>? fromRoute = null)
        where TRequest : class, IJobRequest
    {
        // Resolved while mapping, so a route whose request type no job type takes stops the host at startup.
        var registry = app.ServiceProvider.GetRequiredService<JobTypeRegistry>();
        string type = registry.NameOf<TRequest>();
        return app.MapPost(pattern, (HttpContext context, LeapDbContext db, JobSubmitter submitter, IOptions<PlansOptions> plans,
                IOptions<ModelsOptions> models) => SubmitAsync(context, db, submitter, registry, plans.Value, models.Value, type, fromRoute))
            .RequireAuthorization(LeapClaims.WritePolicy)
            .Accepts<TRequest>("application/json")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> SubmitAsync<TRequest>(HttpContext context, LeapDbContext db, JobSubmitter submitter,
        JobTypeRegistry registry, PlansOptions plans, ModelsOptions models, string type, Action<HttpContext, TRequest>? fromRoute)
        where TRequest : class, IJobRequest
    {
        var body = await JsonBody.ReadAsync<TRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        IJobRequest request = body.Value!;
        fromRoute?.Invoke(context, body.Value!);
        if (request is IEndpointVariant { NamesEndpoint: true } variant)
        {
            // The same route on a tenant's endpoint: submitted as the black-box job type that takes its request.
            try { request = variant.ForEndpoint(); }
            catch (JobRequestException e) { return Problems.Validation(e.Message, e.Field); }
            type = registry.NameOf(request.GetType());
        }
        else if (string.IsNullOrWhiteSpace(request.Model)) request.Model = models.Served[0].Id;

        var tenantId = context.User.TenantOf();
        var tenant = await db.Tenants.FindAsync([tenantId], context.RequestAborted);
        if (tenant is null) return Problems.Unauthorized("this key's tenant no longer exists");
        var plan = plans.Find(tenant.Plan);
        if (plan is null) return Problems.PlanNotConfigured(tenant.Plan);
        db.ChangeTracker.Clear();

        var key = Idempotency.KeyOf(context);
        return await Idempotency.RunAsync(context, db, tenantId, body.Raw, async () =>
        {
            try
            {
                return Accepted(await submitter.SubmitAsync(tenant, plan, type, request, key, context.RequestAborted));
            }
            catch (SubmissionException e)
            {
                return ExceptionMapping.FromSubmission(e);
            }
        }, recover: async k =>
        {
            // The first request with this key committed its job and died before answering: that job is the answer.
            var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.TenantId == tenantId && j.IdempotencyKey == k);
            return job is null ? null : Accepted(job);
        });
    }

    private static CreatedResponse Accepted(LeapEngine.Data.Entities.JobRecord job)
    {
        var view = JobView.From(job, queuePosition: null);
        return new CreatedResponse(StatusCodes.Status202Accepted, JsonSerializer.Serialize(view, LeapJson.Options), $"/v1/jobs/{view.Id}");
    }
}
