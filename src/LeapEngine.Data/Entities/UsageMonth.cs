namespace LeapEngine.Data.Entities;

/// <summary>
/// Compute ledger of one tenant for one UTC month, in model tokens processed (forward and
/// backward) and in calls to the tenant's own endpoints. Submissions reserve an upper bound; the job settles to what it really used.
/// </summary>
public sealed class UsageMonth
{
    public Guid TenantId { get; set; }
    /// <summary>yyyy-MM.</summary>
    public required string Month { get; set; }
    public long UsedTokens { get; set; }
    public long ReservedTokens { get; set; }
    /// <summary>Calls made to the tenant's endpoints (unit endpoint_calls), and those reserved by work in progress.</summary>
    public long UsedEndpointCalls { get; set; }
    public long ReservedEndpointCalls { get; set; }
    public int JobsSucceeded { get; set; }
    public int JobsFailed { get; set; }
}
