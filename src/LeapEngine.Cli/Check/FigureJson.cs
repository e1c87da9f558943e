using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Check;

/// <summary>
/// Figures in the product's JSON dialect (snake_case names only): a list of {name, span?, mean, stddev, n} rather than an
/// object keyed by "span_share:NAME", whose keys would be the user's span names. Used by the JSON report and baselines.
/// </summary>
public static class FigureJson
{
    public static JsonArray Write(IReadOnlyDictionary<string, FigureStats> figures)
    {
        var list = new JsonArray();
        foreach (var (key, s) in figures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var item = new JsonObject();
            int colon = key.IndexOf(':');
            item["name"] = colon < 0 ? key : key[..colon];
            if (colon >= 0) item["span"] = key[(colon + 1)..];
            item["mean"] = s.Mean;
            item["stddev"] = s.StdDev;
            item["n"] = s.N;
            list.Add(item);
        }
        return list;
    }

    public static Dictionary<string, FigureStats> Read(JsonArray list) =>
        list.OfType<JsonObject>().ToDictionary(
            f => f["span"] is { } span ? Figures.SpanKey(span.GetValue<string>()) : f["name"]!.GetValue<string>(),
            f => new FigureStats(f["mean"]!.GetValue<double>(), f["stddev"]!.GetValue<double>(), f["n"]!.GetValue<int>()));
}
