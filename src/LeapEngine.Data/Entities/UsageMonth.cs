namespace LeapEngine.Data.Entities;

/// <summary>
/// Compute ledger of one tenant for one UTC month, in model tokens processed (forward and
/// backward). Submissions reserve an upper bound; the job settles to what it really used.
/// </summary>
public sealed class UsageMonth
{
    public Guid TenantId { get; set; }
    /// <summary>yyyy-MM.</summary>
    public required string Month { get; set; }
    public long UsedTokens { get; set; }
    public long ReservedTokens { get; set; }
    /// <summary>Calls black-box jobs made to tenants' endpoints (retries included): a ledger of its own, never mixed with tokens.</summary>
    public long UsedEndpointCalls { get; set; }
    public long ReservedEndpointCalls { get; set; }
    public int JobsSucceeded { get; set; }
    public int JobsFailed { get; set; }
}
