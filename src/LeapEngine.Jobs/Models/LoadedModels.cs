using LeapEngine.Core.Runtime;
using Microsoft.Extensions.Logging;

namespace LeapEngine.Jobs.Models;

/// <summary>
/// The model instances a pool has loaded, with their size, and the idle ones in least-recently-used
/// order. Past the byte budget, idle instances are unloaded oldest first; instances a job holds are
/// never unloaded, so the budget can be passed by at most the instances running jobs at once
/// (Leap:Jobs:WorkerCount) — the next returned or loaded instance brings it back under.
/// </summary>
internal sealed class LoadedModels(long budgetBytes, ILogger log) : IDisposable
{
    private readonly object _lock = new();
    private readonly LinkedList<Instance> _idle = new();   // first = least recently used
    private long _bytes;
    private int _count;

    public sealed record Instance(string ModelId, LanguageModel Model, long Bytes);

    public (int Instances, long Bytes) Totals { get { lock (_lock) return (_count, _bytes); } }

    /// <summary>The most recently used idle instance of <paramref name="modelId"/> (warmest caches), or null.</summary>
    public Instance? TakeIdle(string modelId)
    {
        lock (_lock)
        {
            for (var node = _idle.Last; node is not null; node = node.Previous)
                if (string.Equals(node.Value.ModelId, modelId, StringComparison.OrdinalIgnoreCase))
                {
                    _idle.Remove(node);
                    return node.Value;
                }
            return null;
        }
    }

    /// <summary>Counts a newly loaded (busy) instance, unloading idle ones if the budget is now passed.</summary>
    public Instance Add(string modelId, LanguageModel model)
    {
        var instance = new Instance(modelId, model, SizeOf(model));
        List<Instance> evicted;
        lock (_lock)
        {
            _bytes += instance.Bytes;
            _count++;
            evicted = EvictOverBudget();
        }
        Unload(evicted);
        return instance;
    }

    /// <summary>A job gave its instance back: it becomes the most recently used idle one.</summary>
    public void Return(Instance instance)
    {
        List<Instance> evicted;
        lock (_lock)
        {
            _idle.AddLast(instance);
            evicted = EvictOverBudget();
        }
        Unload(evicted);
    }

    private List<Instance> EvictOverBudget()
    {
        var evicted = new List<Instance>();
        while (budgetBytes > 0 && _bytes > budgetBytes && _idle.First is { } oldest)
        {
            _idle.RemoveFirst();
            _bytes -= oldest.Value.Bytes;
            _count--;
            evicted.Add(oldest.Value);
        }
        return evicted;
    }

    private void Unload(List<Instance> evicted)
    {
        foreach (var e in evicted)
        {
            log.LogInformation("Unloading model {Model} ({MB:F1} MB): the pool is over its memory budget", e.ModelId, e.Bytes / 1048576.0);
            e.Model.Dispose();
        }
    }

    /// <summary>Bytes of the network's parameters and buffers: what loading it costs on its device.</summary>
    internal static long SizeOf(LanguageModel model)
    {
        long bytes = 0;
        foreach (var p in model.Network.parameters()) bytes += p.NumberOfElements * p.ElementSize;
        foreach (var b in model.Network.buffers()) bytes += b.NumberOfElements * b.ElementSize;
        return bytes;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var i in _idle) i.Model.Dispose();
            _idle.Clear();
        }
    }
}
