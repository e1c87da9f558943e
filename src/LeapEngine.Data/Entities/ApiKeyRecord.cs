namespace LeapEngine.Data.Entities;

/// <summary>
/// An API key, stored only as a SHA-256 hash of the whole key plus a short public prefix used
/// to find the row (and to show which key is which). Keys carry 256 random bits, so a plain
/// hash is enough: there is nothing to brute-force that a slow KDF would protect.
/// </summary>
public sealed class ApiKeyRecord
{
    public Guid Id { get; set; }
    /// <summary>Owner; null for operator keys, which manage every tenant.</summary>
    public Guid? TenantId { get; set; }
    public bool IsOperator { get; set; }
    public required string Name { get; set; }
    /// <summary>Public lookup prefix, e.g. "leap_k3j9x2ab"; unique.</summary>
    public required string Prefix { get; set; }
    public required byte[] Hash { get; set; }
    /// <summary>Space-separated scopes: "read", "write".</summary>
    public required string Scopes { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
