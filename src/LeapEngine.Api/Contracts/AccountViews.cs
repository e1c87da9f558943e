using LeapEngine.Data.Entities;

namespace LeapEngine.Api.Contracts;

/// <summary>An API key as listed (never with its secret).</summary>
public sealed record ApiKeyView(string Id, string Object, string Name, string Prefix, string[] Scopes, string? Tenant,
    long CreatedAt, long? ExpiresAt, long? RevokedAt)
{
    public static ApiKeyView From(ApiKeyRecord k) => new(PublicIds.Key(k.Id), "api_key", k.Name, k.Prefix,
        k.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), k.TenantId is { } t ? PublicIds.Tenant(t) : null,
        Unix(k.CreatedAt), k.ExpiresAt is { } e ? Unix(e) : null, k.RevokedAt is { } r ? Unix(r) : null);

    internal static long Unix(DateTime t) => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeSeconds();
}

/// <summary>A key just created: the only response that ever contains <paramref name="Key"/> (a replay of the request has none).</summary>
public sealed record CreatedKeyView(string Id, string Object, string? Key, ApiKeyView Details);

/// <summary>Body of POST /v1/keys and POST /v1/admin/tenants/{id}/keys.</summary>
public sealed class CreateKeyRequest
{
    public string? Name { get; set; }
    /// <summary>"read" and/or "write"; default both.</summary>
    public List<string>? Scopes { get; set; }
    /// <summary>Days until the key stops working (1..3650); omit for no expiry.</summary>
    public int? ExpiresInDays { get; set; }
}

public sealed record TenantView(string Id, string Object, string Name, string Plan, long CreatedAt, int ActiveJobs)
{
    public static TenantView From(Tenant t) => new(PublicIds.Tenant(t.Id), "tenant", t.Name, t.Plan,
        ApiKeyView.Unix(t.CreatedAt), t.ActiveJobs);
}

/// <summary>Body of POST /v1/admin/tenants and PATCH /v1/admin/tenants/{id}.</summary>
public sealed class TenantRequest
{
    public string? Name { get; set; }
    public string? Plan { get; set; }
}
