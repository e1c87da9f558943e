using System.Collections.Concurrent;
using System.Text;

namespace LeapEngine.Api.Tests.Fuzzing;

/// <summary>What the fuzzer saw, per mutation category: the table docs/reliability.md reports.</summary>
public sealed class FuzzTally
{
    private sealed class Row
    {
        public int Attempts, Accepted, ClientErrors, Unavailable, ServerErrors;
    }

    private readonly ConcurrentDictionary<string, Row> _rows = new();
    private readonly ConcurrentBag<string> _serverErrors = [];

    public void Add(string category, int status, string evidence)
    {
        var row = _rows.GetOrAdd(category, _ => new Row());
        Interlocked.Increment(ref row.Attempts);
        if (status is >= 200 and < 300) Interlocked.Increment(ref row.Accepted);
        else if (status == 503) Interlocked.Increment(ref row.Unavailable);
        else if (status >= 500)
        {
            Interlocked.Increment(ref row.ServerErrors);
            _serverErrors.Add(evidence);
        }
        else Interlocked.Increment(ref row.ClientErrors);
    }

    public int Attempts => _rows.Values.Sum(r => r.Attempts);
    public IReadOnlyCollection<string> ServerErrors => _serverErrors;

    /// <summary>A Markdown table: category, attempts, 2xx, 4xx, 503 (saturation, with Retry-After), other 5xx.</summary>
    public string Table()
    {
        var text = new StringBuilder("| category | attempts | 2xx | 4xx | 503 | 5xx (not 503) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var (name, r) in _rows.OrderBy(kv => kv.Key))
            text.Append($"| {name} | {r.Attempts} | {r.Accepted} | {r.ClientErrors} | {r.Unavailable} | {r.ServerErrors} |\n");
        var all = _rows.Values;
        text.Append($"| **all** | {all.Sum(r => r.Attempts)} | {all.Sum(r => r.Accepted)} | {all.Sum(r => r.ClientErrors)} | " +
                    $"{all.Sum(r => r.Unavailable)} | {all.Sum(r => r.ServerErrors)} |\n");
        return text.ToString();
    }
}
