using System.Text.RegularExpressions;
using LeapEngine.Core.Models.Common;
using static TorchSharp.torch;

namespace LeapEngine.Core.Hooks;

/// <summary>
/// TransformerLens-style runs: cache activations by name, or run with hooks that may
/// replace them. Hooks are removed when the call returns, whatever happens.
/// </summary>
public static class HookedRun
{
    /// <summary>
    /// Runs the model on token ids [batch, tokens] and returns the logits and the activations
    /// at <paramref name="names"/> (exact names or '*' wildcards such as "blocks.*.hook_resid_post";
    /// null means every hook point). Gradients are not tracked.
    /// </summary>
    public static (Tensor Logits, ActivationCache Cache) RunWithCache(
        this TransformerModel model, Tensor inputIds, IEnumerable<string>? names = null, ForwardOptions? options = null)
    {
        var cache = new ActivationCache();
        var hooks = ResolveNames(model, names)
            .Select(name => (name, (HookFunction)((x, n) => { cache.Store(n, x); return null; })))
            .ToArray();
        try
        {
            using var noGrad = no_grad();
            var logits = RunWithHooks(model, inputIds, options, hooks);
            return (logits, cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model with the given hooks attached for this call only.</summary>
    public static Tensor RunWithHooks(
        this TransformerModel model, Tensor inputIds, ForwardOptions? options, params (string Name, HookFunction Hook)[] hooks)
    {
        using var attached = Attach(model, hooks);
        return model.Forward(inputIds, options);
    }

    /// <summary>RunWithHooks on input embeddings [batch, tokens, d_model]; gradients flow to them.</summary>
    public static Tensor RunEmbeddingsWithHooks(
        this TransformerModel model, Tensor embeddings, ForwardOptions? options, params (string Name, HookFunction Hook)[] hooks)
    {
        using var attached = Attach(model, hooks);
        return model.ForwardEmbeddings(embeddings, options);
    }

    /// <summary>Attaches hooks until the result is disposed (for runs spanning several calls, e.g. generation).</summary>
    public static IDisposable Attach(this TransformerModel model, params (string Name, HookFunction Hook)[] hooks) =>
        AttachEach(model, hooks, (point, hook) => point.Add(hook));

    /// <summary>
    /// Attaches observers (they see activations, never change them) until the result is disposed.
    /// Unlike hooks they keep the model's shortcuts for unedited passes, so metering costs no speed.
    /// </summary>
    public static IDisposable Observe(this TransformerModel model, params (string Name, HookObserver Observer)[] observers) =>
        AttachEach(model, observers, (point, observer) => point.Observe(observer));

    /// <summary>Attaches each item at every point its name matches; all or nothing (an unknown name detaches what went on).</summary>
    private static IDisposable AttachEach<T>(TransformerModel model, (string Name, T Item)[] items, Func<HookPoint, T, IDisposable> attach)
    {
        var removals = new List<IDisposable>();
        try
        {
            foreach (var (pattern, item) in items)
                foreach (var name in ResolveNames(model, [pattern]))
                    removals.Add(attach(model.HookPoints[name], item));
        }
        catch
        {
            foreach (var r in removals) r.Dispose();
            throw;
        }
        return new Detacher(removals);
    }

    /// <summary>Expands wildcards; an unknown name is an error that lists what exists.</summary>
    public static IReadOnlyList<string> ResolveNames(TransformerModel model, IEnumerable<string>? names)
    {
        if (names is null) return model.HookPoints.Keys.ToList();
        var result = new List<string>();
        foreach (var raw in names)
        {
            var name = raw.Trim();
            if (name.Length == 0) continue;
            if (name.Contains('*'))
            {
                var regex = new Regex("^" + Regex.Escape(name).Replace("\\*", "[^.]+") + "$");
                var matches = model.HookPoints.Keys.Where(k => regex.IsMatch(k)).ToList();
                if (matches.Count == 0) throw UnknownHook(model, name);
                result.AddRange(matches);
            }
            else if (model.HookPoints.ContainsKey(name)) result.Add(name);
            else throw UnknownHook(model, name);
        }
        return result.Distinct().ToList();
    }

    private static ArgumentException UnknownHook(TransformerModel model, string name)
    {
        var examples = model.HookPoints.Keys.Where(k => !k.StartsWith("blocks.") || k.StartsWith("blocks.0.")).ToList();
        return new ArgumentException(
            $"unknown hook point '{name}'; this model has {model.HookPoints.Count}, e.g. {string.Join(", ", examples)} " +
            $"(and the same for blocks 1..{model.Config.NLayers - 1}; '*' matches one name part)");
    }

    private sealed class Detacher(List<IDisposable> removals) : IDisposable
    {
        public void Dispose()
        {
            foreach (var r in removals) r.Dispose();
            removals.Clear();
        }
    }
}
