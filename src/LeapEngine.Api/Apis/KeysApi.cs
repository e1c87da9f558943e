using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Apis;

/// <summary>A tenant manages its own keys: list, create (shown once), revoke (immediate).</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").WithTags("Keys");
        keys.MapGet("/", ListAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithName("ListKeys")
            .WithSummary("List this tenant's API keys (prefixes only, never secrets)");
        keys.MapPost("/", CreateAsync).RequireAuthorization(LeapClaims.WritePolicy).WithName("CreateKey")
            .Accepts<CreateKeyRequest>("application/json").Produces<CreatedKeyView>(StatusCodes.Status201Created)
            .WithSummary("Create a key; the response is the only time its secret is shown. Example: {\"name\": \"ci\", \"scopes\": [\"read\"]}");
        keys.MapPost("/{id}/revoke", RevokeAsync).RequireAuthorization(LeapClaims.WritePolicy).WithName("RevokeKey")
            .WithSummary("Revoke a key; requests with it fail from now on");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, LeapDbContext db)
    {
        var tenantId = context.User.TenantOf();
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == tenantId).OrderBy(k => k.CreatedAt).ToListAsync();
        var data = keys.Select(ApiKeyView.From).ToList();
        return TypedResults.Ok(new ListView<ApiKeyView>("list", data, false, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, LeapDbContext db)
    {
        var body = await JsonBody.ReadAsync<CreateKeyRequest>(context.Request, context.RequestAborted);
        if (body.Problem is not null) return body.Problem;
        var tenantId = context.User.TenantOf();
        // A key can only mint keys with scopes it holds itself: no escalation from write-only to read+write.
        var held = context.User.FindAll(LeapClaims.Scope).Select(c => c.Value).ToHashSet();
        var asked = body.Value!.Scopes ?? [.. ApiKeys.KnownScopes];
        if (asked.Select(s => s.Trim().ToLowerInvariant()).FirstOrDefault(s => ApiKeys.KnownScopes.Contains(s) && !held.Contains(s)) is { } missing)
            return Problems.Forbidden($"this key lacks the '{missing}' scope, so it cannot create a key that has it");
        return await Idempotency.RunAsync(context, db, tenantId, body.Raw, async () =>
        {
            var (key, problem) = await KeyIssuer.IssueAsync(db, tenantId, body.Value!, context.RequestAborted);
            return problem ?? (IResult)KeyIssuer.Created(key!);
        });
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, LeapDbContext db, string id)
    {
        var keyId = PublicIds.Parse(id, "key");
        var tenantId = context.User.TenantOf();
        var key = keyId is null ? null : await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && k.TenantId == tenantId);
        if (key is null) return Problems.NotFound($"key '{id}'");
        key.RevokedAt ??= DateTime.UtcNow;
        await db.SaveChangesAsync();
        return TypedResults.Ok(ApiKeyView.From(key));
    }
}
