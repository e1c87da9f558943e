using System.Text.Json;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>Operator routes: plans (read from configuration), tenants, and keys of any tenant.</summary>
public static class AdminApi
{
    /// <summary>Idempotency keys of operator requests live in their own namespace (no tenant has this id).</summary>
    private static readonly Guid OperatorScope = Guid.Empty;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin").WithTags("Admin").RequireAuthorization(LeapClaims.OperatorPolicy);
        admin.MapGet("/plans", (IOptions<PlansOptions> plans) => TypedResults.Ok(new { @object = "list", data = plans.Value.Plans }))
            .WithName("ListPlans").WithSummary("Plans from configuration (Leap:Plans)");
        admin.MapGet("/tenants", ListTenantsAsync).WithName("ListTenants");
        admin.MapPost("/tenants", CreateTenantAsync).WithName("CreateTenant").Accepts<TenantRequest>("application/json")
            .Produces<TenantView>(StatusCodes.Status201Created)
            .WithSummary("Create a tenant. Example: {\"name\": \"Acme\", \"plan\": \"pro\"}");
        admin.MapGet("/tenants/{id}", GetTenantAsync).WithName("GetTenant");
        admin.MapPatch("/tenants/{id}", UpdateTenantAsync).WithName("UpdateTenant").Accepts<TenantRequest>("application/json")
            .WithSummary("Rename a tenant or move it to another plan");
        admin.MapGet("/tenants/{id}/keys", ListKeysAsync).WithName("ListTenantKeys");
        admin.MapPost("/tenants/{id}/keys", CreateKeyAsync).WithName("CreateTenantKey").Accepts<CreateKeyRequest>("application/json")
            .Produces<CreatedKeyView>(StatusCodes.Status201Created).WithSummary("Issue a key to a tenant (shown once)");
        admin.MapPost("/keys/{id}/revoke", RevokeKeyAsync).WithName("RevokeAnyKey");
        return app;
    }

    private static async Task<IResult> ListTenantsAsync(LeapDbContext db)
    {
        var data = (await db.Tenants.AsNoTracking().OrderBy(t => t.CreatedAt).ToListAsync()).Select(TenantView.From).ToList();
        return TypedResults.Ok(new ListView<TenantView>("list", data, false, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id));
    }

    private static async Task<IResult> CreateTenantAsync(HttpContext context, LeapDbContext db, IOptions<PlansOptions> plans)
    {
        var body = await JsonBody.ReadAsync<TenantRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        var request = body.Value!;
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            return Problems.Validation("name is required (at most 200 characters)", "name");
        var plan = request.Plan ?? plans.Value.DefaultPlan;
        if (plans.Value.Find(plan) is null) return UnknownPlan(plan, plans.Value);
        return await Idempotency.RunAsync(context, db, OperatorScope, body.Raw, async () =>
        {
            var tenant = new Tenant { Id = Guid.NewGuid(), Name = request.Name, Plan = plan, CreatedAt = DateTime.UtcNow };
            db.Tenants.Add(tenant);
            await db.SaveChangesAsync();
            return new CreatedResponse(StatusCodes.Status201Created, JsonSerializer.Serialize(TenantView.From(tenant), LeapJson.Options),
                $"/v1/admin/tenants/{PublicIds.Tenant(tenant.Id)}");
        });
    }

    private static async Task<IResult> GetTenantAsync(LeapDbContext db, string id) =>
        await FindTenantAsync(db, id) is { } t ? TypedResults.Ok(TenantView.From(t)) : Problems.NotFound($"tenant '{id}'");

    private static async Task<IResult> UpdateTenantAsync(HttpContext context, LeapDbContext db, IOptions<PlansOptions> plans, string id)
    {
        var tenant = await FindTenantAsync(db, id);
        if (tenant is null) return Problems.NotFound($"tenant '{id}'");
        var body = await JsonBody.ReadAsync<TenantRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        if (body.Value!.Plan is { } plan)
        {
            if (plans.Value.Find(plan) is null) return UnknownPlan(plan, plans.Value);
            tenant.Plan = plan;
        }
        if (body.Value.Name is { } name)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 200) return Problems.Validation("name must be 1 to 200 characters", "name");
            tenant.Name = name;
        }
        await db.SaveChangesAsync();
        return TypedResults.Ok(TenantView.From(tenant));
    }

    private static async Task<IResult> ListKeysAsync(LeapDbContext db, string id)
    {
        var tenant = await FindTenantAsync(db, id);
        if (tenant is null) return Problems.NotFound($"tenant '{id}'");
        var data = (await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == tenant.Id).OrderBy(k => k.CreatedAt).ToListAsync())
            .Select(ApiKeyView.From).ToList();
        return TypedResults.Ok(new ListView<ApiKeyView>("list", data, false, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id));
    }

    private static async Task<IResult> CreateKeyAsync(HttpContext context, LeapDbContext db, string id)
    {
        var tenant = await FindTenantAsync(db, id);
        if (tenant is null) return Problems.NotFound($"tenant '{id}'");
        var body = await JsonBody.ReadAsync<CreateKeyRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        return await Idempotency.RunAsync(context, db, OperatorScope, body.Raw, async () =>
        {
            var (key, problem) = await KeyIssuer.IssueAsync(db, tenant.Id, body.Value!, context.RequestAborted);
            return problem ?? (IResult)KeyIssuer.Created(key!);
        });
    }

    private static async Task<IResult> RevokeKeyAsync(LeapDbContext db, string id)
    {
        var keyId = PublicIds.Parse(id, "key");
        var key = keyId is null ? null : await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId);
        if (key is null) return Problems.NotFound($"key '{id}'");
        key.RevokedAt ??= DateTime.UtcNow;
        await db.SaveChangesAsync();
        return TypedResults.Ok(ApiKeyView.From(key));
    }

    private static async Task<Tenant?> FindTenantAsync(LeapDbContext db, string id) =>
        PublicIds.Parse(id, "ten") is { } tenantId ? await db.Tenants.SingleOrDefaultAsync(t => t.Id == tenantId) : null;

    private static ProblemResult UnknownPlan(string plan, PlansOptions plans) =>
        Problems.Validation($"plan '{plan}' is not configured; use one of {string.Join(", ", plans.Plans.Keys)}", "plan");
}
