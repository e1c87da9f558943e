namespace LeapEngine.Data.Entities;

/// <summary>
/// A customer account. Everything a customer creates (jobs, results, dictionaries, keys)
/// carries its tenant id; the counters below are the parts of the plan that are checked
/// atomically at submission (see <see cref="QuotaLedger"/>).
/// </summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>Name of a plan from configuration (Leap:Plans).</summary>
    public required string Plan { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Jobs queued or running now; bounded by the plan's concurrent jobs.</summary>
    public int ActiveJobs { get; set; }
    /// <summary>UTC day (yyyy-MM-dd) that <see cref="JobsToday"/> counts.</summary>
    public string QuotaDay { get; set; } = "";
    public int JobsToday { get; set; }
}
