using System.Security.Claims;

namespace LeapEngine.Api.Auth;

public static class LeapClaims
{
    public const string TenantId = "leap:tenant";
    public const string KeyId = "leap:key";
    public const string Scope = "scope";
    public const string Operator = "leap:operator";

    public const string ReadPolicy = "read";
    public const string WritePolicy = "write";
    public const string OperatorPolicy = "operator";

    /// <summary>The caller's tenant; only called on routes whose policy requires one.</summary>
    public static Guid TenantOf(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(TenantId) ?? throw new InvalidOperationException("the route's policy should have required a tenant"));
}
