using LeapEngine.Jobs.Models;

namespace LeapEngine.Jobs.Scheduling;

/// <summary>
/// Queue names "p{priority}_{model class}". Hangfire.PostgreSql fetches from the queues a
/// server listens to in name order, so "p1_small" (paid) is dequeued before "p2_small" (free).
/// </summary>
public static class JobQueues
{
    public const int MaxPriority = 9;

    public static string For(int priority, string modelClass) => $"p{Math.Clamp(priority, 1, MaxPriority)}_{modelClass}";

    /// <summary>Every queue for the served model classes (or only <paramref name="classes"/>), highest priority first.</summary>
    public static string[] All(ModelsOptions models, IReadOnlyCollection<string>? classes = null)
    {
        var wanted = (classes is { Count: > 0 } ? classes : models.Served.Select(m => m.Class)).Distinct().Order().ToList();
        return Enumerable.Range(1, MaxPriority).SelectMany(p => wanted.Select(c => For(p, c))).ToArray();
    }
}
