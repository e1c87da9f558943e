namespace LeapEngine.Data.Entities;

/// <summary>
/// The first response to a creating POST sent with an Idempotency-Key. A row without a status
/// code is a request still being handled (a concurrent duplicate gets 409 meanwhile).
/// </summary>
public sealed class IdempotencyRecord
{
    public Guid TenantId { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 (hex) of method, path and body: the same key with another body is a 422.</summary>
    public required string RequestHash { get; set; }
    public int? StatusCode { get; set; }
    public string? ResponseBody { get; set; }
    public string? Location { get; set; }
    public DateTime CreatedAt { get; set; }
}
