using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using System.Text.Json;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs;

namespace LeapEngine.Api.Apis;

/// <summary>Creates API keys for a tenant (tenants for themselves, the operator for anyone).</summary>
public static class KeyIssuer
{
    /// <summary>Validates the request and stores a new key; the result holds the only copy of the secret.</summary>
    public static async Task<(CreatedKeyView? Key, ProblemResult? Problem)> IssueAsync(LeapDbContext db, Guid tenantId,
        CreateKeyRequest request, CancellationToken ct)
    {
        if (request.Name is { Length: > 200 }) return (null, Problems.Validation("name must be at most 200 characters", "name"));
        if (request.ExpiresInDays is < 1 or > 3650)
            return (null, Problems.Validation("expires_in_days must be between 1 and 3650", "expires_in_days"));
        string scopes;
        try { scopes = ApiKeys.NormaliseScopes(request.Scopes); }
        catch (ArgumentException e) { return (null, Problems.Validation(e.Message, "scopes")); }

        var generated = ApiKeys.Generate();
        var now = DateTime.UtcNow;
        var record = new ApiKeyRecord
        {
            Id = Guid.NewGuid(), TenantId = tenantId, Name = request.Name ?? "", Prefix = generated.Prefix, Hash = generated.Hash,
            Scopes = scopes, CreatedAt = now, ExpiresAt = request.ExpiresInDays is { } d ? now.AddDays(d) : null,
        };
        db.ApiKeys.Add(record);
        await db.SaveChangesAsync(ct);
        var view = ApiKeyView.From(record);
        return (new CreatedKeyView(view.Id, "api_key.secret", generated.Key, view), null);
    }

    /// <summary>The 201 answer: the secret once; an Idempotency-Key replay gets the same key without it (it is not stored).</summary>
    public static CreatedResponse Created(CreatedKeyView key) => new(StatusCodes.Status201Created,
        JsonSerializer.Serialize(key, LeapJson.Options), null, JsonSerializer.Serialize(key with { Key = null }, LeapJson.Options));
}
