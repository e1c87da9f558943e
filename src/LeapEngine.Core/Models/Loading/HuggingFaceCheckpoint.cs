using System.Text.Json;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Loading;

/// <summary>Reads the weights of a Hugging Face model folder: one safetensors file or a sharded index.</summary>
public static class HuggingFaceCheckpoint
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>All tensors of the folder, floating ones converted to float32.</summary>
    public static Dictionary<string, Tensor> Read(string directory)
    {
        var single = Path.Combine(directory, SingleFile);
        var index = Path.Combine(directory, IndexFile);
        if (File.Exists(single)) return Safetensors.Load(single, floatType: ScalarType.Float32);
        if (!File.Exists(index))
            throw new FileNotFoundException(
                $"no weights in {directory}: expected {SingleFile} or {IndexFile} with its shards (PyTorch .bin checkpoints are not supported)");

        using var doc = JsonDocument.Parse(File.ReadAllText(index));
        if (!doc.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{index}: no weight_map");
        var shards = weightMap.EnumerateObject().Select(p => p.Value.GetString() ?? "").Distinct().ToList();
        var result = new Dictionary<string, Tensor>();
        foreach (var shard in shards)
        {
            if (shard.Contains('/') || shard.Contains('\\') || shard.Contains(".."))
                throw new InvalidDataException($"{index}: shard name '{shard}' must be a plain file name");
            var path = Path.Combine(directory, shard);
            if (!File.Exists(path)) throw new FileNotFoundException($"{index} lists shard {shard}, which is not in {directory}");
            foreach (var (name, tensor) in Safetensors.Load(path, floatType: ScalarType.Float32))
                result[name] = tensor;
        }
        return result;
    }
}
