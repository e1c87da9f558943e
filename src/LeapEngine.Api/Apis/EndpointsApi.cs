using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Endpoints;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Core.BlackBox.Outbound;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Endpoints;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>
/// The caller's OpenAI-compatible endpoints, for black-box attribution and influence checks: register one (the key is
/// write-only, stored encrypted), list, read, change, delete and probe. No response ever carries the key or a header
/// value. Another tenant's endpoint answers 404 on every route, exactly like a missing one.
/// </summary>
public static class EndpointsApi
{
    public static IEndpointRouteBuilder MapEndpointsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/v1/endpoints").WithTags("Endpoints").RequireAuthorization(LeapClaims.ReadPolicy);
        var write = app.MapGroup("/v1/endpoints").WithTags("Endpoints").RequireAuthorization(LeapClaims.WritePolicy);
        write.MapPost("/", CreateAsync).WithName("CreateEndpoint").Accepts<CreateEndpointRequest>("application/json")
            .Produces<EndpointView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409)
            .WithSummary("Register an OpenAI-compatible endpoint (the key is write-only: stored encrypted, never shown). " +
                         "Example: {\"base_url\": \"https://api.openai.com/v1\", \"model\": \"gpt-4o-mini\", \"api_key\": \"sk-...\"}");
        read.MapGet("/", ListAsync).WithName("ListEndpoints")
            .WithSummary("List endpoints, newest first (cursor pagination: limit, after)").Produces<ListView<EndpointView>>();
        read.MapGet("/{id}", GetAsync).WithName("GetEndpoint").WithSummary("An endpoint, with its last probe's capabilities")
            .Produces<EndpointView>().ProducesProblem(404);
        write.MapPatch("/{id}", UpdateAsync).WithName("UpdateEndpoint").Accepts<UpdateEndpointRequest>("application/json")
            .Produces<EndpointView>().ProducesProblem(400).ProducesProblem(404)
            .WithSummary("Change an endpoint: rotate or remove its key, replace its headers, change model, concurrency, timeout or name");
        write.MapDelete("/{id}", DeleteAsync).WithName("DeleteEndpoint").Produces(StatusCodes.Status204NoContent).ProducesProblem(404)
            .WithSummary("Delete an endpoint and its stored key");
        write.MapPost("/{id}/probe", ProbeAsync).WithName("ProbeEndpoint").Produces<EndpointView>().ProducesProblem(403).ProducesProblem(404)
            .ProducesProblem(402).ProducesProblem(422).ProducesProblem(502).ProducesProblem(504)
            .WithSummary("Measure what the endpoint offers (logprobs and top-k, echo, prompt_logprobs, tokenize, determinism) " +
                         "with up to 10 calls, metered in endpoint_calls; stores and returns the capabilities and the scoring mode they allow");
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, LeapDbContext db, IOptions<PlansOptions> plans,
        EndpointCalls calls, EndpointSecrets secrets, IHostResolver resolver)
    {
        var body = await JsonBody.ReadAsync<CreateEndpointRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        var r = body.Value!;
        var (spec, problem) = EndpointValidation.Spec(r.BaseUrl, r.Model, r.ApiKey, r.Headers, r.MaxConcurrency, r.TimeoutSeconds, r.Name);
        if (problem is not null) return problem;
        if (await EndpointValidation.OutboundProblemAsync(spec!.BaseUrl, calls.Policy, resolver, context.RequestAborted) is { } refused)
            return refused;
        var tenantId = context.User.TenantOf();
        var (plan, planName) = await PlanOfAsync(db, plans.Value, tenantId, context.RequestAborted);
        if (plan is null) return Problems.PlanNotConfigured(planName);
        return await Idempotency.RunAsync(context, db, tenantId, body.Raw, async () =>
        {
            var now = DateTime.UtcNow;
            var row = new EndpointRecord
            {
                Id = Guid.NewGuid(), TenantId = tenantId, Name = r.Name, BaseUrl = spec.BaseUrl.AbsoluteUri, Model = spec.Model,
                MaxConcurrency = spec.MaxConcurrency, TimeoutSeconds = (int)spec.Timeout.TotalSeconds, CreatedAt = now, UpdatedAt = now,
            };
            SetSecrets(row, secrets, spec.ApiKey, spec.Headers);
            db.Endpoints.Add(row);
            await db.SaveChangesAsync(CancellationToken.None);
            // Counted after the insert, so two registrations racing for the last place cannot both keep it.
            if (await db.Endpoints.CountAsync(e => e.TenantId == tenantId, CancellationToken.None) > plan.MaxEndpoints)
            {
                await db.Endpoints.Where(e => e.Id == row.Id).ExecuteDeleteAsync(CancellationToken.None);
                return Problems.Conflict($"the '{planName}' plan allows {plan.MaxEndpoints} endpoints; delete one (DELETE /v1/endpoints/{{id}}) first");
            }
            var id = EndpointStore.PublicId(row.Id);
            return new CreatedResponse(StatusCodes.Status201Created, JsonSerializer.Serialize(EndpointView.From(row), LeapJson.Options),
                $"/v1/endpoints/{id}");
        });
    }

    private static async Task<IResult> ListAsync(HttpContext context, LeapDbContext db, int? limit, string? after)
    {
        int take = limit ?? 20;
        if (take is < 1 or > 100) return Problems.Validation("limit must be between 1 and 100", "limit");
        var tenantId = context.User.TenantOf();
        var mine = db.Endpoints.AsNoTracking().Where(e => e.TenantId == tenantId);
        if (after is not null)
        {
            var cursorId = EndpointStore.ParsePublicId(after);
            var cursor = cursorId is null ? null
                : await mine.Where(e => e.Id == cursorId).Select(e => new { e.Id, e.CreatedAt }).SingleOrDefaultAsync(context.RequestAborted);
            if (cursor is null) return Problems.Validation("after must be the id of one of your endpoints", "after");
            mine = mine.Where(e => e.CreatedAt < cursor.CreatedAt || (e.CreatedAt == cursor.CreatedAt && e.Id.CompareTo(cursor.Id) < 0));
        }
        var page = await mine.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(take + 1).ToListAsync(context.RequestAborted);
        bool more = page.Count > take;
        var data = page.Take(take).Select(EndpointView.From).ToList();
        return TypedResults.Ok(new ListView<EndpointView>("list", data, more, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id));
    }

    private static async Task<IResult> GetAsync(HttpContext context, LeapDbContext db, string id) =>
        await FindAsync(context, db, id) is { } row ? TypedResults.Ok(EndpointView.From(row)) : Problems.NotFound($"endpoint '{id}'");

    private static async Task<IResult> UpdateAsync(HttpContext context, LeapDbContext db, EndpointSecrets secrets, string id)
    {
        var row = await FindAsync(context, db, id);
        if (row is null) return Problems.NotFound($"endpoint '{id}'");
        var body = await JsonBody.ReadAsync<UpdateEndpointRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        var r = body.Value!;
        // Which fields were given at all: null means "remove" for the key and headers, absent means "keep".
        var given = JsonNode.Parse(body.Raw) is JsonObject o ? o.Select(p => p.Key).ToHashSet() : [];
        if (given.Contains("base_url"))
            return Problems.Validation("base_url cannot change: the stored key would be sent to the new address; " +
                                       "register a new endpoint (POST /v1/endpoints) and delete this one", "base_url");
        string? key;
        IReadOnlyDictionary<string, string> headers;
        try
        {
            key = given.Contains("api_key") ? r.ApiKey : secrets.UnprotectKey(row.TenantId, row.Id, row.ApiKeyProtected);
            headers = given.Contains("headers") ? r.Headers ?? new Dictionary<string, string>()
                : secrets.UnprotectHeaders(row.TenantId, row.Id, row.HeadersProtected);
        }
        catch (EndpointSecretUnreadableException e) { return Problems.Conflict(e.Message); }
        var (spec, problem) = EndpointValidation.Spec(row.BaseUrl, r.Model ?? row.Model, key, headers,
            r.MaxConcurrency ?? row.MaxConcurrency, r.TimeoutSeconds ?? row.TimeoutSeconds, r.Name ?? row.Name);
        if (problem is not null) return problem;
        if (spec!.Model != row.Model)
        {
            // Another model may offer other things: the old probe no longer says what this endpoint can do.
            row.CapabilitiesJson = null;
            row.ProbedAt = null;
        }
        row.Name = r.Name ?? row.Name;
        row.Model = spec.Model;
        row.MaxConcurrency = spec.MaxConcurrency;
        row.TimeoutSeconds = (int)spec.Timeout.TotalSeconds;
        if (given.Contains("api_key") || given.Contains("headers")) SetSecrets(row, secrets, spec.ApiKey, spec.Headers);
        row.UpdatedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.Ok(EndpointView.From(row));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, LeapDbContext db, string id)
    {
        var guid = EndpointStore.ParsePublicId(id);
        var tenantId = context.User.TenantOf();
        int deleted = guid is null ? 0 : await db.Endpoints.Where(e => e.Id == guid && e.TenantId == tenantId).ExecuteDeleteAsync(context.RequestAborted);
        return deleted == 0 ? Problems.NotFound($"endpoint '{id}'") : TypedResults.NoContent();
    }

    private static async Task<IResult> ProbeAsync(HttpContext context, LeapDbContext db, IOptions<PlansOptions> plans,
        EndpointProbing probing, string id)
    {
        var row = await FindAsync(context, db, id);
        if (row is null) return Problems.NotFound($"endpoint '{id}'");
        var (plan, planName) = await PlanOfAsync(db, plans.Value, row.TenantId, context.RequestAborted);
        if (plan is null) return Problems.PlanNotConfigured(planName);
        var problem = await probing.ProbeAsync(db, row, plan, planName, context.RequestAborted);
        return problem is not null ? problem : TypedResults.Ok(EndpointView.From(row));
    }

    /// <summary>The caller's endpoint by public id (tracked, for changes); another tenant's is indistinguishable from a missing one.</summary>
    private static async Task<EndpointRecord?> FindAsync(HttpContext context, LeapDbContext db, string id)
    {
        var guid = EndpointStore.ParsePublicId(id);
        if (guid is null) return null;
        var tenantId = context.User.TenantOf();
        return await db.Endpoints.SingleOrDefaultAsync(e => e.Id == guid && e.TenantId == tenantId, context.RequestAborted);
    }

    private static void SetSecrets(EndpointRecord row, EndpointSecrets secrets, string? apiKey, IReadOnlyDictionary<string, string> headers)
    {
        row.ApiKeyProtected = secrets.ProtectKey(row.TenantId, row.Id, apiKey);
        row.HeadersProtected = secrets.ProtectHeaders(row.TenantId, row.Id, headers);
        row.HeaderNamesJson = JsonSerializer.Serialize(headers.Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray());
    }

    /// <summary>The tenant's plan, or null when the operator has removed it from the configuration.</summary>
    private static async Task<(PlanLimits? Plan, string Name)> PlanOfAsync(LeapDbContext db, PlansOptions plans, Guid tenantId, CancellationToken ct)
    {
        var name = await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.Plan).SingleAsync(ct);
        return (plans.Find(name), name);
    }
}
