using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Hooks;

/// <summary>
/// A hook function sees an activation as it flows through a hook point. Returning null
/// keeps the activation; returning a tensor replaces it (same shape) for the rest of the pass.
/// </summary>
public delegate Tensor? HookFunction(Tensor activation, string hookName);

/// <summary>
/// An identity module placed where TransformerLens puts its hook points. With no hook
/// attached it costs one list check; hooks run in the order they were added.
/// </summary>
public sealed class HookPoint : nn.Module<Tensor, Tensor>
{
    private readonly List<HookFunction> _hooks = new();

    public HookPoint() : base(nameof(HookPoint)) { }

    /// <summary>The TransformerLens name, set by the model once the tree is built.</summary>
    public string HookName { get; internal set; } = "";

    public bool HasHooks => _hooks.Count > 0;

    public override Tensor forward(Tensor x)
    {
        if (_hooks.Count == 0) return x;
        foreach (var hook in _hooks.ToArray())
        {
            var replaced = hook(x, HookName);
            if (replaced is null || ReferenceEquals(replaced, x)) continue;
            if (!replaced.shape.SequenceEqual(x.shape))
                throw new InvalidOperationException(
                    $"hook on '{HookName}' returned shape [{string.Join(", ", replaced.shape)}], expected [{string.Join(", ", x.shape)}]");
            x = replaced;
        }
        return x;
    }

    /// <summary>Attaches a hook; disposing the result removes it.</summary>
    public IDisposable Add(HookFunction hook)
    {
        _hooks.Add(hook);
        return new Removal(this, hook);
    }

    internal void RemoveAll() => _hooks.Clear();

    private sealed class Removal(HookPoint point, HookFunction hook) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            point._hooks.Remove(hook);
        }
    }
}
