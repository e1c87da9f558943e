using System.Text.Json;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Tensors;

namespace LeapEngine.Core.Synthetic;

/// <summary>What synth.json records beside the weights: the task, its planted answers and how the model did.</summary>
public sealed record SyntheticModelCard(
    string Task,
    string Description,
    int Seed,
    IReadOnlyDictionary<string, object> Plan,
    SyntheticTrainingOptions Training,
    double TrainSeconds,
    int Threads,
    double FinalLoss,
    EvaluationReport Evaluation);

/// <summary>
/// Writes a trained synthetic model in the Hugging Face layout the model store loads: config.json
/// (model_type llama), model.safetensors ("model."-prefixed names, lm_head beside them), tokenizer.json
/// and tokenizer_config.json, plus synth.json (the <see cref="SyntheticModelCard"/>).
/// </summary>
public static class SyntheticModelFolder
{
    public const string CardFile = "synth.json";

    /// <summary>Writes config, weights and tokenizer (the card comes after the written copy is evaluated).</summary>
    public static void WriteModel(string directory, TransformerModel model)
    {
        Directory.CreateDirectory(directory);
        var c = model.Config;
        var config = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "LlamaForCausalLM" },
            ["model_type"] = "llama",
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.DModel,
            ["intermediate_size"] = c.DMlp,
            ["num_hidden_layers"] = c.NLayers,
            ["num_attention_heads"] = c.NHeads,
            ["num_key_value_heads"] = c.NKvHeads,
            ["max_position_embeddings"] = c.ContextLength,
            ["rms_norm_eps"] = c.NormEps,
            ["rope_theta"] = c.RopeTheta,
            ["hidden_act"] = c.Activation,
            ["tie_word_embeddings"] = c.TiedEmbeddings,
            ["bos_token_id"] = c.BosTokenId,
            ["eos_token_id"] = c.EosTokenId,
            ["torch_dtype"] = "float32",
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));

        var tensors = model.WeightNames().Export();
        try
        {
            var named = tensors.OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => (t.Key == "lm_head.weight" ? t.Key : "model." + t.Key, t.Value)).ToList();
            Safetensors.Save(Path.Combine(directory, "model.safetensors"), named, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        SyntheticVocabulary.Instance.WriteTokenizer(directory);
    }

    public static void WriteCard(string directory, SyntheticModelCard card) =>
        File.WriteAllText(Path.Combine(directory, CardFile), JsonSerializer.Serialize(card, SnakeCase.Indented));

    /// <summary>The task a synthetic model folder was trained on, rebuilt from its synth.json (name and seed).</summary>
    public static SyntheticTask ReadTask(string directory)
    {
        using var card = ReadCard(directory);
        var root = card.RootElement;
        if (!root.TryGetProperty("task", out var task) || task.GetString() is not { } name || !root.TryGetProperty("seed", out var seed))
            throw new InvalidDataException($"{Path.Combine(directory, CardFile)}: no task or seed");
        return SyntheticTasks.Create(name, seed.GetInt32());
    }

    /// <summary>The seed a synthetic model folder was trained with (its synth.json): the label of its benchmark rows.</summary>
    public static int ReadSeed(string directory)
    {
        using var card = ReadCard(directory);
        return card.RootElement.TryGetProperty("seed", out var seed) && seed.TryGetInt32(out int value)
            ? value
            : throw new InvalidDataException($"{Path.Combine(directory, CardFile)}: no seed");
    }

    /// <summary>Reads synth.json from a model folder.</summary>
    public static JsonDocument ReadCard(string directory)
    {
        var path = Path.Combine(directory, CardFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{directory}' is not a synthetic model folder: no {CardFile}", path);
        return JsonDocument.Parse(File.ReadAllText(path));
    }
}
