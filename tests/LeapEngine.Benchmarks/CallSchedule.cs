using LeapEngine.Core.BlackBox;

namespace LeapEngine.Benchmarks;

/// <summary>
/// The yardsticks for a black-box run's wall time: the calls / concurrency x one call's latency, and the
/// stage-aware floor. Batches wait for the one before them (reading the completion, then ItP's one batch or each HiPe
/// stage, then the user text), so the floor is the sum over batches of ceil(batch calls / concurrency) x latency.
/// </summary>
public static class CallSchedule
{
    public static double IdealSeconds(BlackBoxAttributionResult result, int concurrency, double latencySeconds) =>
        (double)result.Calls / concurrency * latencySeconds;

    public static double FloorSeconds(BlackBoxAttributionResult result, int concurrency, double latencySeconds) =>
        Batches(result).Sum(b => Math.Ceiling((double)b / concurrency)) * latencySeconds;

    /// <summary>Calls per batch, in order: reading the completion, the noise samples, the method's batches, the user text.</summary>
    public static IReadOnlyList<int> Batches(BlackBoxAttributionResult result)
    {
        // Teacher forcing a completion the endpoint writes: generate, then score it (one after the other).
        var batches = result.CompletionGenerated && result.ScoringMode == "teacher_forced" ? new List<int> { 1, 1 } : new List<int> { 1 };
        if (result.NoiseSamples > 0) batches.Add(result.NoiseSamples);
        if (result.HipeChunks is null) batches.Add(result.Units.Count);
        else
        {
            // A chunk already scored in an earlier stage is not called again.
            var seen = new HashSet<(int, int)>();
            batches.AddRange(result.HipeChunks.GroupBy(c => c.Stage).OrderBy(g => g.Key)
                .Select(g => g.Select(c => (c.Start, c.End)).Distinct().Count(seen.Add)));
        }
        if (result.UserText is not null) batches.Add(1);
        if (result.SystemPrompt is not null) batches.Add(1);
        return batches;
    }
}
