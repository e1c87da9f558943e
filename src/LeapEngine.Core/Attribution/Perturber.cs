using LeapEngine.Core.Tensors;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Attribution;

/// <summary>
/// A prompt after perturbation: its ids, which positions are hidden from attention (hide
/// only) and the first position that differs from the original prompt (every token before
/// it is unchanged, so its keys and values can be reused).
/// </summary>
public sealed record PerturbedPrompt(int[] Ids, bool[]? Hidden, int FirstChanged);

/// <summary>Applies one perturbation kind to sets of prompt token positions.</summary>
public sealed class Perturber
{
    private readonly int[] _prompt;
    private readonly PerturbationSpec _spec;
    private readonly int _replacement;
    private readonly Dictionary<int, int> _nearest = new();
    private readonly int _startToken;

    public Perturber(LanguageModel model, IReadOnlyList<int> prompt, PerturbationSpec spec)
    {
        _prompt = prompt.ToArray();
        _spec = spec;
        _startToken = model.BosId ?? model.EosId ?? 0;
        if (spec.Kind == PerturbationKind.ReplaceToken) _replacement = ResolveToken(model, spec.Token!);
        if (spec.Kind == PerturbationKind.Nearest) _nearest = NearestTokens.Table(model, _prompt.Distinct().ToArray(), spec.Rank);
    }

    public PerturbationSpec Spec => _spec;

    /// <summary>The token id that "token:X" stands for: an integer id, or a text that encodes to exactly one token.</summary>
    public static int ResolveToken(LanguageModel model, string token)
    {
        if (int.TryParse(token, out int id))
        {
            if (id < 0 || id >= model.Config.VocabSize)
                throw new ArgumentException($"perturbation token id {id} is outside the vocabulary [0, {model.Config.VocabSize})");
            return id;
        }
        var ids = model.Tokenizer.Encode(token, addBos: false).Ids;
        if (ids.Count != 1)
            throw new ArgumentException(
                $"perturbation token '{token}' encodes to {ids.Count} tokens ({string.Join(", ", ids)}); give a one-token text or a token id");
        return ids[0];
    }

    /// <summary>The prompt with the tokens at <paramref name="positions"/> perturbed.</summary>
    public PerturbedPrompt Apply(IEnumerable<int> positions)
    {
        var set = new SortedSet<int>(positions);
        if (set.Count == 0) return new PerturbedPrompt(_prompt, null, _prompt.Length);
        if (set.Min < 0 || set.Max >= _prompt.Length)
            throw new ArgumentOutOfRangeException(nameof(positions), $"positions must lie in [0, {_prompt.Length})");
        int first = set.Min;
        switch (_spec.Kind)
        {
            case PerturbationKind.Remove:
                var kept = _prompt.Where((_, i) => !set.Contains(i)).ToArray();
                // Nothing left to condition on: start from BOS (EOS for GPT-2), as an empty prompt does.
                return kept.Length > 0 ? new PerturbedPrompt(kept, null, first) : new PerturbedPrompt([_startToken], null, 0);
            case PerturbationKind.Hide:
                var hidden = new bool[_prompt.Length];
                foreach (int p in set) hidden[p] = true;
                return new PerturbedPrompt(_prompt, hidden, first);
            default:
                var ids = (int[])_prompt.Clone();
                foreach (int p in set) ids[p] = _spec.Kind == PerturbationKind.ReplaceToken ? _replacement : _nearest[ids[p]];
                // A replacement equal to the original changes nothing at that position.
                int changed = Enumerable.Range(0, ids.Length).FirstOrDefault(i => ids[i] != _prompt[i], ids.Length);
                return new PerturbedPrompt(ids, null, changed);
        }
    }
}

/// <summary>Nearest (or farthest) tokens by cosine similarity of the model's input embeddings.</summary>
public static class NearestTokens
{
    /// <summary>
    /// For each id, the token at rank <paramref name="rank"/> among all other tokens the
    /// tokenizer can produce (BOS/EOS excluded) ordered by cosine similarity: 1 = most
    /// similar, -1 = least similar.
    /// </summary>
    public static Dictionary<int, int> Table(LanguageModel model, int[] ids, int rank)
    {
        int vocab = Math.Min(model.Tokenizer.VocabSize, model.Config.VocabSize);
        var excluded = new[] { model.BosId, model.EosId }.OfType<int>().Where(i => i < vocab).Distinct().ToArray();
        int candidates = vocab - 1 - excluded.Length;
        if (Math.Abs(rank) > candidates)
            throw new ArgumentException($"nearest:{rank} asks for rank {Math.Abs(rank)} but only {candidates} other tokens exist");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var table = model.Network.TokenEmbeddings.narrow(0, 0, vocab).to(ScalarType.Float32);   // [vocab, d_model]
        var unit = table / table.norm(1, keepdim: true).ClampMin(1e-12);
        var query = unit.index_select(0, tensor(ids.Select(i => (long)i).ToArray(), device: table.device));  // [ids, d_model]
        var similarity = query.matmul(unit.t());                                                              // [ids, vocab]
        // Self and special tokens can never be chosen: push them past both ends of the order.
        var selfIndex = tensor(ids.Select(i => (long)i).ToArray(), device: table.device).unsqueeze(1);
        float fill = rank > 0 ? float.NegativeInfinity : float.PositiveInfinity;
        using var scalars = new ScalarScope();
        similarity = similarity.scatter(1, selfIndex, full(selfIndex.shape, scalars.Of(fill), device: table.device));
        if (excluded.Length > 0)
            similarity.index_fill_(1, tensor(excluded.Select(i => (long)i).ToArray(), device: table.device), scalars.Of(fill));
        var order = similarity.argsort(1, descending: rank > 0);                                               // [ids, vocab]
        var chosen = order.select(1, Math.Abs(rank) - 1).cpu().data<long>().ToArray();
        return ids.Select((id, i) => (id, (int)chosen[i])).ToDictionary(x => x.id, x => x.Item2);
    }
}
