using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Data.Plans;

/// <summary>What one plan allows. Compute is metered in model tokens processed (forward and backward).</summary>
public sealed class PlanLimits
{
    [Range(1, 1_000_000)] public int MaxPromptTokens { get; set; } = 256;
    /// <summary>Model ids this plan may use; empty means every served model.</summary>
    public List<string> AllowedModels { get; set; } = [];
    [Range(1, 10_000_000)] public int JobsPerDay { get; set; } = 100;
    [Range(1, 10_000)] public int ConcurrentJobs { get; set; } = 2;
    [Range(1, long.MaxValue)] public long ComputeTokensPerMonth { get; set; } = 1_000_000;
    /// <summary>The most calls one black-box job may make: caps its max_calls (and the default budget).</summary>
    [Range(1, 1_000_000)] public int MaxCallsPerJob { get; set; } = 2_000;
    [Range(1, 1_000_000)] public int RequestsPerMinute { get; set; } = 60;
    /// <summary>SSE streams and long-polls a tenant may hold open at once (per API process); one more is a 429.</summary>
    [Range(1, 10_000)] public int HeldConnections { get; set; } = 10;
    /// <summary>Calls to tenants' own endpoints (black-box jobs and probes, retries included) per UTC month.</summary>
    [Range(1, long.MaxValue)] public long EndpointCallsPerMonth { get; set; } = 10_000;
    /// <summary>Endpoints a tenant may register at once (POST /v1/endpoints beyond it is a 409).</summary>
    [Range(1, 10_000)] public int MaxEndpoints { get; set; } = 10;
    /// <summary>Paid plans are dequeued first: 1 is the highest priority.</summary>
    [Range(1, 9)] public int Priority { get; set; } = 2;

    public bool AllowsModel(string model) =>
        AllowedModels.Count == 0 || AllowedModels.Contains(model, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Plans by name (section Leap:Plans); tenants refer to them by name.</summary>
public sealed class PlansOptions
{
    public const string Section = "Leap";

    public Dictionary<string, PlanLimits> Plans { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Plan given to tenants created without one (and to the standalone mode's researcher key).</summary>
    public string DefaultPlan { get; set; } = "free";

    public PlanLimits? Find(string name) => Plans.GetValueOrDefault(name);
}
