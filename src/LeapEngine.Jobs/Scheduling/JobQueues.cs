using LeapEngine.Jobs.Models;

namespace LeapEngine.Jobs.Scheduling;

/// <summary>
/// Queue names "p{priority}_{model class}". Hangfire.PostgreSql fetches from the queues a
/// server listens to in name order, so "p1_small" (paid) is dequeued before "p2_small" (free).
/// </summary>
public static class JobQueues
{
    public const int MaxPriority = 9;

    /// <summary>
    /// The class of black-box jobs: they call a tenant's endpoint and load no model, so every worker serves their queues
    /// by default (Leap:Jobs:ServeBlackBox = false keeps a worker, e.g. a GPU pool, off them).
    /// </summary>
    public const string BlackBoxClass = "blackbox";

    public static string For(int priority, string modelClass) => $"p{Math.Clamp(priority, 1, MaxPriority)}_{modelClass}";

    /// <summary>
    /// Every queue for the served model classes (or only <paramref name="classes"/>) and, with <paramref name="blackBox"/>,
    /// the black-box class, highest priority first.
    /// </summary>
    public static string[] All(ModelsOptions models, IReadOnlyCollection<string>? classes = null, bool blackBox = false)
    {
        var wanted = (classes is { Count: > 0 } ? classes : models.Served.Select(m => m.Class))
            .Concat(blackBox ? [BlackBoxClass] : []).Distinct().Order().ToList();
        return Enumerable.Range(1, MaxPriority).SelectMany(p => wanted.Select(c => For(p, c))).ToArray();
    }
}
