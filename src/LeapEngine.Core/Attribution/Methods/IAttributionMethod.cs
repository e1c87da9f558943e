namespace LeapEngine.Core.Attribution.Methods;

/// <summary>
/// An attribution method as a plug-in: its name (what requests, results and the CLI say), how
/// it runs against any scorer, and the most evaluations it can need (the job layer reserves
/// from it: forward passes for the network in this process, calls for an endpoint).
/// </summary>
public interface IAttributionMethod
{
    /// <summary>The lower-case name requests use: "itp", "hipe".</summary>
    string Name { get; }

    /// <summary>One line for help texts.</summary>
    string Description { get; }

    MethodOutcome Run(IAttributionScorer scorer, MethodSettings settings);

    /// <summary>
    /// Upper bound of unit-set evaluations for <paramref name="units"/> units, the unperturbed
    /// prompt excluded (the caller adds its own fixed evaluations).
    /// </summary>
    long MaxEvaluations(int units, MethodSettings settings);
}

/// <summary>The per-method settings a request carries (only HiPe has any today).</summary>
public sealed record MethodSettings(HipeOptions Hipe)
{
    public static MethodSettings Default { get; } = new(new HipeOptions());
}

/// <summary>What a method found: one drop per unit, and the method's own trace (HiPe's stages and chunks).</summary>
public sealed record MethodOutcome(CompletionDrop[] Units, int? Stages = null, IReadOnlyList<HipeChunkScore>? Chunks = null, HipeOptions? Hipe = null);
