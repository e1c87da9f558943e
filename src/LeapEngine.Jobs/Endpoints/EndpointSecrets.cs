using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// Encrypts and decrypts an endpoint's secrets (its API key and its extra headers) with ASP.NET Core Data Protection.
/// The purpose chain names this use, the tenant and the endpoint, so a protected value copied into another row (another
/// endpoint, another tenant) does not decrypt there, and nothing else protected with the same key ring (the viewer's
/// cookies) can be passed off as an endpoint secret.
/// </summary>
public sealed class EndpointSecrets(IDataProtectionProvider provider)
{
    /// <summary>The purpose of every endpoint secret; versioned so a future format can live beside this one.</summary>
    public const string Purpose = "LeapEngine.Endpoints.Secrets.v1";

    public string? ProtectKey(Guid tenantId, Guid endpointId, string? apiKey) =>
        string.IsNullOrEmpty(apiKey) ? null : Protector(tenantId, endpointId, "api_key").Protect(apiKey);

    public string? UnprotectKey(Guid tenantId, Guid endpointId, string? protectedKey) =>
        protectedKey is null ? null : Unprotect(Protector(tenantId, endpointId, "api_key"), protectedKey);

    public string? ProtectHeaders(Guid tenantId, Guid endpointId, IReadOnlyDictionary<string, string>? headers) =>
        headers is null || headers.Count == 0 ? null
            : Protector(tenantId, endpointId, "headers").Protect(JsonSerializer.Serialize(headers));

    public IReadOnlyDictionary<string, string> UnprotectHeaders(Guid tenantId, Guid endpointId, string? protectedHeaders)
    {
        if (protectedHeaders is null) return new Dictionary<string, string>();
        var json = Unprotect(Protector(tenantId, endpointId, "headers"), protectedHeaders);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
    }

    private IDataProtector Protector(Guid tenantId, Guid endpointId, string field) =>
        provider.CreateProtector(Purpose, tenantId.ToString("N"), endpointId.ToString("N"), field);

    private static string Unprotect(IDataProtector protector, string value)
    {
        try { return protector.Unprotect(value); }
        catch (CryptographicException e)
        {
            // The key ring lost the key (a database restored without data_protection_keys, another application name):
            // say so, without the payload.
            throw new EndpointSecretUnreadableException(
                "the endpoint's stored key cannot be decrypted with this deployment's Data Protection keys; " +
                "register the key again (PATCH /v1/endpoints/{id} with api_key and headers)", e);
        }
    }
}

/// <summary>A stored endpoint secret that this process's key ring cannot decrypt.</summary>
public sealed class EndpointSecretUnreadableException(string message, Exception inner) : Exception(message, inner);
