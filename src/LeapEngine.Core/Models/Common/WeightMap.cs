using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// Copies checkpoint tensors into a model's parameters by an explicit name table, so a
/// missing tensor, a wrong shape or an unknown name is an error that names it.
/// </summary>
public sealed class WeightMap
{
    private readonly List<(string Name, Tensor Target, bool Transposed)> _entries = new();
    private readonly HashSet<string> _optional = new();
    private readonly List<(string Name, Tensor[] Parts)> _stacked = new();

    /// <summary>
    /// Maps checkpoint tensor <paramref name="name"/> onto <paramref name="target"/>;
    /// <paramref name="transposed"/> when the checkpoint stores it as [in, out] (GPT-2 Conv1D).
    /// </summary>
    public WeightMap Add(string name, Tensor target, bool transposed = false)
    {
        _entries.Add((name, target, transposed));
        return this;
    }

    /// <summary>A linear layer's "{prefix}.weight", and its "{prefix}.bias" when it has one.</summary>
    public WeightMap AddLinear(string prefix, TorchSharp.Modules.Linear linear)
    {
        Add(prefix + ".weight", linear.weight!);
        if (linear.bias is not null) Add(prefix + ".bias", linear.bias);
        return this;
    }

    /// <summary>
    /// Maps one checkpoint tensor onto several parameters stacked along dim 0, in order: a fused projection
    /// (Phi-3's qkv_proj = q, k, v rows; gate_up_proj = gate, up rows). Exported as their concatenation.
    /// </summary>
    public WeightMap AddStacked(string name, params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("a stacked tensor needs at least one part", nameof(parts));
        _stacked.Add((name, parts));
        return this;
    }

    /// <summary>Like Add, but absence is not an error (e.g. a tied lm_head stored anyway); never exported.</summary>
    public WeightMap AddOptional(string name, Tensor target)
    {
        _optional.Add(name);
        return Add(name, target);
    }

    /// <summary>The model's weights under checkpoint names and layout (CPU copies the caller owns).</summary>
    public Dictionary<string, Tensor> Export()
    {
        using var noGrad = no_grad();
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, target, transposed) in _entries)
        {
            if (_optional.Contains(name)) continue;
            var value = transposed ? target.t() : target;
            result[name] = value.detach().cpu().contiguous().clone().DetachFromDisposeScope();
        }
        foreach (var (name, parts) in _stacked)
            result[name] = cat(parts.Select(t => t.detach().cpu()).ToArray(), 0).DetachFromDisposeScope();
        return result;
    }

    /// <summary>
    /// Loads <paramref name="checkpoint"/> (names already normalised). Names matched by
    /// <paramref name="ignore"/> are buffers to skip; any other unused name is an error.
    /// </summary>
    public void Load(IReadOnlyDictionary<string, Tensor> checkpoint, Func<string, bool> ignore, string source)
    {
        var missing = _entries.Where(e => !checkpoint.ContainsKey(e.Name) && !_optional.Contains(e.Name))
            .Select(e => e.Name).Concat(_stacked.Select(s => s.Name).Where(n => !checkpoint.ContainsKey(n))).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{source}: missing tensors: {string.Join(", ", missing.Take(12))}{(missing.Count > 12 ? $" (and {missing.Count - 12} more)" : "")}");
        var known = _entries.Select(e => e.Name).Concat(_stacked.Select(s => s.Name)).ToHashSet();
        var unexpected = checkpoint.Keys.Where(k => !known.Contains(k) && !ignore(k)).OrderBy(k => k).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException(
                $"{source}: unexpected tensors (wrong architecture or config?): {string.Join(", ", unexpected.Take(12))}");

        using var noGrad = no_grad();
        foreach (var (name, target, transposed) in _entries)
        {
            if (!checkpoint.TryGetValue(name, out var source_)) continue;
            using var scope = NewDisposeScope();
            var value = transposed ? source_.t() : source_;
            if (!value.shape.SequenceEqual(target.shape))
                throw new InvalidDataException(
                    $"{source}: tensor '{name}' has shape [{string.Join(", ", source_.shape)}], the config implies [{string.Join(", ", target.shape)}]");
            target.copy_(value);
        }
        foreach (var (name, parts) in _stacked)
        {
            using var scope = NewDisposeScope();
            var value = checkpoint[name];
            var rows = parts.Select(t => t.shape[0]).ToArray();
            var expected = new[] { rows.Sum() }.Concat(parts[0].shape.Skip(1)).ToArray();
            if (!value.shape.SequenceEqual(expected))
                throw new InvalidDataException(
                    $"{source}: tensor '{name}' has shape [{string.Join(", ", value.shape)}], the config implies [{string.Join(", ", expected)}] " +
                    $"(rows {string.Join(" + ", rows)})");
            long start = 0;
            foreach (var part in parts)
            {
                part.copy_(value.narrow(0, start, part.shape[0]));
                start += part.shape[0];
            }
        }
    }

    /// <summary>Strips a leading "transformer." or "model." so both hub naming styles load.</summary>
    public static Dictionary<string, Tensor> StripPrefixes(IReadOnlyDictionary<string, Tensor> checkpoint, params string[] prefixes)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in checkpoint)
        {
            var key = name;
            foreach (var p in prefixes)
                if (key.StartsWith(p, StringComparison.Ordinal)) { key = key[p.Length..]; break; }
            if (!result.TryAdd(key, tensor))
                throw new InvalidDataException($"tensor '{key}' appears twice (with and without a prefix)");
        }
        return result;
    }
}
