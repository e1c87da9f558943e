using System.Text.Json;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Partitioning.Corpora;

/// <summary>
/// Turns a corpus spec into texts: a file (one text per line, or JSONL with a "text" field),
/// or a generator: stories:N, technical:N, random:N (random-token strings), samples:N (the
/// model's own sampled stories), optional :SEED.
/// </summary>
public static class CorpusSource
{
    public const string Help = "a file (one text per line, or .jsonl with a \"text\" field) or a generator: stories:N, technical:N, random:N (random tokens), samples:N (the model's own samples); append :SEED";

    public static IEnumerable<string> Open(string spec, LanguageModel? model = null)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new ArgumentException($"empty corpus spec; give {Help}");
        var parts = spec.Split(':');
        if (parts[0] is "stories" or "technical" or "random" or "samples" && parts.Length is 2 or 3)
        {
            if (!int.TryParse(parts[1], out int count) || count < 1)
                throw new ArgumentException($"corpus '{spec}': the count must be a positive integer");
            long seed = 0;
            if (parts.Length == 3 && !long.TryParse(parts[2], out seed))
                throw new ArgumentException($"corpus '{spec}': the seed must be an integer");
            return parts[0] switch
            {
                "stories" => StoryCorpus.Generate(count, seed),
                "technical" => OtherCorpora.TechnicalText(count, seed),
                "random" => OtherCorpora.RandomTokens(model ?? throw new ArgumentException("random-token corpora need the model"), count, seed: seed),
                _ => OtherCorpora.ModelSamples(model ?? throw new ArgumentException("sampled corpora need the model"), count, seed),
            };
        }
        if (!File.Exists(spec)) throw new FileNotFoundException($"corpus file '{spec}' not found; give {Help}");
        return ReadFile(spec);
    }

    /// <summary>Lines of a text file, or the "text" field of each JSONL line; blank lines are skipped.</summary>
    public static IEnumerable<string> ReadFile(string path)
    {
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!jsonl) { yield return line; continue; }
            string? text;
            try
            {
                using var doc = JsonDocument.Parse(line);
                text = doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON ({e.Message})");
            }
            yield return text ?? throw new InvalidDataException($"{path}:{lineNumber}: no string field \"text\"");
        }
    }
}
