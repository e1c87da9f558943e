using System.Text.Json;

namespace LeapEngine.Core.Store;

/// <summary>
/// Recognises model layouts in a folder. Shared by path resolution, the models dir, the cache
/// and listing, so that "is this model complete?" has one answer everywhere.
/// </summary>
internal static class ModelFolders
{
    public const string Config = "config.json";
    public const string Weights = "model.safetensors";
    public const string WeightsIndex = "model.safetensors.index.json";

    /// <summary>Tokenizer files a Hugging Face repo may have; each is optional.</summary>
    public static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt", "tokenizer_config.json"];

    /// <summary>State of a Hugging Face folder: present when config.json is; complete when the weights are too.</summary>
    public sealed record HfState(bool IsHuggingFace, bool IsComplete, IReadOnlyList<string> Missing);

    public static HfState InspectHuggingFace(string dir)
    {
        if (!File.Exists(Path.Combine(dir, Config)))
            return new HfState(false, false, [Config, Weights]);
        var index = Path.Combine(dir, WeightsIndex);
        if (File.Exists(index))
        {
            IReadOnlyList<string> shards;
            try { shards = ReadShards(index); }
            catch (InvalidDataException) { return new HfState(true, false, [WeightsIndex + " (unreadable)"]); }
            var missing = shards.Where(s => !File.Exists(Path.Combine(dir, s))).ToList();
            return new HfState(true, missing.Count == 0, missing);
        }
        return File.Exists(Path.Combine(dir, Weights))
            ? new HfState(true, true, [])
            : new HfState(true, false, [Weights]);
    }

    /// <summary>The distinct shard files named by a safetensors index's weight_map.</summary>
    public static IReadOnlyList<string> ReadShards(string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{indexPath} has no weight_map object.");
            var shards = new List<string>();
            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.GetString();
                // The index comes from the network: a shard name must not point outside the folder.
                if (shard is null || !ModelIds.IsSafeRelativePath(shard))
                    throw new InvalidDataException($"{indexPath} names an invalid shard file '{shard}'.");
                if (!shards.Contains(shard)) shards.Add(shard);
            }
            if (shards.Count == 0) throw new InvalidDataException($"{indexPath} lists no shard files.");
            return shards;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath} is not a valid safetensors index: {e.Message}", e);
        }
    }

    /// <summary>
    /// A llama2.c checkpoint and tokenizer in a folder, or null. The checkpoint is the largest .bin
    /// that is not a tokenizer (tok*.bin is llama2.c's own tokenizer format, kept beside the model).
    /// </summary>
    public static (string Checkpoint, string Tokenizer)? FindLlama2c(string dir)
    {
        if (!Directory.Exists(dir)) return null;
        var checkpoint = Directory.EnumerateFiles(dir, "*.bin")
            .Where(f => !Path.GetFileName(f).StartsWith("tok", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(f => new FileInfo(f).Length)
            .ThenBy(f => f, StringComparer.Ordinal)
            .FirstOrDefault();
        if (checkpoint is null) return null;
        var tokenizer = FindTokenizerBeside(checkpoint);
        return tokenizer is null ? null : (checkpoint, tokenizer);
    }

    /// <summary>The SentencePiece .model beside a checkpoint: tokenizer.model, else tok*.model, else the first .model.</summary>
    public static string? FindTokenizerBeside(string checkpoint)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(checkpoint))!;
        var models = Directory.EnumerateFiles(dir, "*.model").OrderBy(f => f, StringComparer.Ordinal).ToList();
        return models.FirstOrDefault(f => Path.GetFileName(f) == "tokenizer.model")
               ?? models.FirstOrDefault(f => Path.GetFileName(f).StartsWith("tok", StringComparison.OrdinalIgnoreCase))
               ?? models.FirstOrDefault();
    }

    /// <summary>Recognises a model folder: Hugging Face if it has config.json (even incomplete), else llama2.c.</summary>
    public static ResolvedModel? Recognise(string id, string dir, ModelLocation location, out HfState hf)
    {
        hf = InspectHuggingFace(dir);
        if (hf.IsHuggingFace)
            return hf.IsComplete ? new ResolvedModel(id, dir, ModelLayout.HuggingFace, location) : null;
        return FindLlama2c(dir) is var (checkpoint, tokenizer)
            ? new ResolvedModel(id, dir, ModelLayout.Llama2c, location, checkpoint, tokenizer)
            : null;
    }
}
