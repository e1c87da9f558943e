using LeapEngine.Core.Models.Common;

namespace LeapEngine.Core.Serving;

/// <summary>
/// Prompts already run, kept so that a later prompt sharing their first tokens runs only the rest (automatic prefix
/// caching, as vLLM's): each entry holds a prompt's keys/values (batch 1) and, when the prompt was scored, its
/// teacher-forced scores. A perturbation workload is the case it is for: every perturbed prompt repeats the original
/// up to its first change, so on average half of each prompt comes from here.
/// Entries are shared only within a scope (the caller names it: a model and a tenant), since a hit's speed would
/// otherwise tell one tenant another's prompts. Bounded in bytes, least recently used first out. Thread-safe: an
/// entry is never changed once added, and a reuse holds views of its tensors, so evicting it never pulls tensors
/// from under a pass.
/// </summary>
public sealed class PromptCache(long maxBytes) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Entry> _recent = new();            // most recently used first
    private long _bytes, _hits, _misses, _reusedTokens;
    private bool _disposed;

    public long MaxBytes { get; } = maxBytes >= 0 ? maxBytes : throw new ArgumentException($"the prompt cache bound must be >= 0 bytes, got {maxBytes}");

    public long Bytes { get { lock (_lock) return _bytes; } }
    public int Count { get { lock (_lock) return _recent.Count; } }
    /// <summary>Lookups that reused at least one token, and those that found nothing to reuse.</summary>
    public long Hits { get { lock (_lock) return _hits; } }
    public long Misses { get { lock (_lock) return _misses; } }
    /// <summary>Prompt tokens that did not run because they came from here.</summary>
    public long ReusedTokens { get { lock (_lock) return _reusedTokens; } }

    /// <summary>
    /// The entry of <paramref name="scope"/> sharing the most leading tokens with <paramref name="ids"/>, as a reuse of
    /// its first tokens: at most all but the last prompt token (whose logits the pass must still compute), and only
    /// the tokens before the first difference, since position i's score depends on token i. With
    /// <paramref name="scoreTop"/> (the prompt is scored with that many alternatives) only entries scored with at
    /// least as many qualify. Null when nothing can be reused.
    /// </summary>
    public PromptReuse? Find(string scope, IReadOnlyList<int> ids, int? scoreTop)
    {
        lock (_lock)
        {
            if (_disposed || MaxBytes == 0) return null;
            LinkedListNode<Entry>? best = null;
            int bestReuse = 0;
            for (var node = _recent.First; node is not null; node = node.Next)
            {
                var entry = node.Value;
                if (entry.Scope != scope) continue;
                if (scoreTop is { } top && (entry.Scores is null || entry.ScoreTop < top)) continue;
                int reuse = Math.Min(CommonPrefix(entry.Ids, ids) - 1, ids.Count - 1);
                if (reuse > bestReuse) (best, bestReuse) = (node, reuse);
            }
            if (best is null)
            {
                _misses++;
                return null;
            }
            _hits++;
            _reusedTokens += bestReuse;
            _recent.Remove(best);
            _recent.AddFirst(best);
            var found = best.Value;
            // Views made under the lock: an eviction after this point frees only the entry's own handles.
            var cache = found.Cache.ExpandBatch(1, length: bestReuse);
            var scores = scoreTop is { } k ? found.Scores?.Take(bestReuse + 1).Select(s => Trim(s, k)).ToArray() : null;
            return new PromptReuse(cache, bestReuse, scores);
        }
    }

    /// <summary>
    /// Keeps a prompt's keys/values (batch 1, exactly <paramref name="ids"/>' positions) under <paramref name="scope"/>,
    /// with its scores when it was scored. Takes ownership of <paramref name="cache"/>: it is disposed here when it is
    /// not kept (too large, a duplicate, or the cache is off) and on eviction otherwise.
    /// </summary>
    public void Add(string scope, IReadOnlyList<int> ids, KvCache cache, IReadOnlyList<PromptTokenScore>? scores, int scoreTop)
    {
        if (cache.Batch != 1 || cache.Length != ids.Count)
            throw new ArgumentException($"a cached prompt needs a batch-1 cache of its {ids.Count} positions, got batch {cache.Batch} of {cache.Length}");
        if (scores is not null && scores.Count != ids.Count)
            throw new ArgumentException($"a cached prompt of {ids.Count} tokens needs {ids.Count} scores, got {scores.Count}");
        long bytes = cache.Bytes;
        int? scoredTop = scores is null ? null : scoreTop;
        // Checked before the copy too: a prompt sent again (a noise floor's repeats, a probe's) would be copied for nothing.
        bool keep;
        lock (_lock) keep = Keeps(scope, ids, scoredTop, bytes);
        if (!keep)
        {
            cache.Dispose();
            return;
        }
        cache.Compact();   // outside the lock: a copy of the prompt's keys/values
        lock (_lock)
        {
            if (!Keeps(scope, ids, scoredTop, bytes))   // again: another pass may have added it meanwhile
            {
                cache.Dispose();
                return;
            }
            _recent.AddFirst(new Entry(scope, ids.ToArray(), cache, scores?.ToArray(), scoreTop, bytes));
            _bytes += bytes;
            while (_bytes > MaxBytes) Evict(_recent.Last!);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_recent.First is { } node) Evict(node);
        }
    }

    /// <summary>Whether a prompt of these bytes is kept: the cache is on, it fits, and no entry holds it already (under the lock).</summary>
    private bool Keeps(string scope, IReadOnlyList<int> ids, int? scoreTop, long bytes) =>
        !_disposed && bytes <= MaxBytes && !Holds(scope, ids, scoreTop);

    /// <summary>Whether an entry already covers this prompt exactly (with at least these scores).</summary>
    private bool Holds(string scope, IReadOnlyList<int> ids, int? scoreTop) =>
        _recent.Any(e => e.Scope == scope && e.Ids.Length == ids.Count && CommonPrefix(e.Ids, ids) == ids.Count
                         && (scoreTop is not { } top || (e.Scores is not null && e.ScoreTop >= top)));

    private void Evict(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _bytes -= node.Value.Bytes;
        node.Value.Cache.Dispose();
    }

    private static int CommonPrefix(int[] a, IReadOnlyList<int> b)
    {
        int n = Math.Min(a.Length, b.Count), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    /// <summary>A stored score with only the <paramref name="top"/> alternatives asked for now.</summary>
    private static PromptTokenScore Trim(PromptTokenScore score, int top) =>
        score.Top.Count <= top ? score : score with { Top = score.Top.Take(top).ToArray() };

    private sealed record Entry(string Scope, int[] Ids, KvCache Cache, PromptTokenScore[]? Scores, int ScoreTop, long Bytes);
}

/// <summary>
/// The first <see cref="Reused"/> tokens of a prompt taken from a <see cref="PromptCache"/> entry: their keys/values
/// (views, owned by whoever takes them) and, when the entry was scored, the scores of positions 0..Reused.
/// </summary>
public sealed class PromptReuse(KvCache cache, int reused, IReadOnlyList<PromptTokenScore>? scores)
{
    public KvCache Cache { get; } = cache;
    public int Reused { get; } = reused;
    public IReadOnlyList<PromptTokenScore>? Scores { get; } = scores;
}
