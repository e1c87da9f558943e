using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Hooks;

/// <summary>
/// A hook function sees an activation as it flows through a hook point. Returning null
/// keeps the activation; returning a tensor replaces it (same shape) for the rest of the pass.
/// </summary>
public delegate Tensor? HookFunction(Tensor activation, string hookName);

/// <summary>
/// An observer sees an activation and never changes it (it must not edit it in place either).
/// Unlike a hook it leaves the model free to take shortcuts that only hold for unedited
/// activations (the first layer computing each distinct input row once): metering and other
/// bookkeeping observe, so a hosted job runs the same path as a plain forward.
/// </summary>
public delegate void HookObserver(Tensor activation, string hookName);

/// <summary>
/// An identity module placed where TransformerLens puts its hook points. With no hook
/// attached it costs one list check; hooks run in the order they were added, then observers
/// see what flows on.
/// </summary>
public sealed class HookPoint : nn.Module<Tensor, Tensor>
{
    private readonly List<HookFunction> _hooks = new();
    private readonly List<HookObserver> _observers = new();

    public HookPoint() : base(nameof(HookPoint)) { }

    /// <summary>The TransformerLens name, set by the model once the tree is built.</summary>
    public string HookName { get; internal set; } = "";

    /// <summary>Something watches this point (a hook or an observer): the model must compute what it would see.</summary>
    public bool HasHooks => _hooks.Count > 0 || _observers.Count > 0;

    /// <summary>A hook that may replace the activation is attached (observers do not count).</summary>
    public bool HasEditingHooks => _hooks.Count > 0;

    public override Tensor forward(Tensor x)
    {
        if (_hooks.Count == 0 && _observers.Count == 0) return x;
        foreach (var hook in _hooks.ToArray())
        {
            var replaced = hook(x, HookName);
            if (replaced is null || ReferenceEquals(replaced, x)) continue;
            if (!replaced.shape.SequenceEqual(x.shape))
                throw new InvalidOperationException(
                    $"hook on '{HookName}' returned shape [{string.Join(", ", replaced.shape)}], expected [{string.Join(", ", x.shape)}]");
            x = replaced;
        }
        foreach (var observer in _observers.ToArray()) observer(x, HookName);
        return x;
    }

    /// <summary>Attaches a hook; disposing the result removes it.</summary>
    public IDisposable Add(HookFunction hook)
    {
        _hooks.Add(hook);
        return new Removal(() => _hooks.Remove(hook));
    }

    /// <summary>Attaches an observer; disposing the result removes it.</summary>
    public IDisposable Observe(HookObserver observer)
    {
        _observers.Add(observer);
        return new Removal(() => _observers.Remove(observer));
    }

    internal void RemoveAll()
    {
        _hooks.Clear();
        _observers.Clear();
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            remove();
        }
    }
}
