using static TorchSharp.torch;

namespace LeapEngine.Core.Hooks;

/// <summary>Activations captured by RunWithCache, by hook name. Owns its tensors.</summary>
public sealed class ActivationCache : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new();

    public Tensor this[string name] => _tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"'{name}' was not cached; cached: {string.Join(", ", _tensors.Keys)}");

    public IReadOnlyCollection<string> Names => _tensors.Keys;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    internal void Store(string name, Tensor activation)
    {
        // A detached handle shares storage; taking it out of the forward's dispose scope keeps it alive.
        var kept = activation.detach().DetachFromDisposeScope();
        if (_tensors.Remove(name, out var old)) old.Dispose();   // a hook point called twice keeps the last
        _tensors[name] = kept;
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
