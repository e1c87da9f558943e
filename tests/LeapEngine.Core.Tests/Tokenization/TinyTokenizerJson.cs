using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

/// <summary>Hand-made Hugging Face tokenizer.json files: all 256 bytes, a few merges, added tokens.</summary>
internal static class TinyTokenizerJson
{
    /// <summary>Llama 3's split regex (its tokenizer.json pre_tokenizer): digits go in groups of up to three.</summary>
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static readonly string[] Merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld", "1 2", "12 3", "4 5", "123 45"];

    public const int BeginOfText = 300, EndOfText = 301, Plain = 302;

    public static Dictionary<string, int> Vocab()
    {
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevelAlphabet.Encode((byte)b).ToString(), b => b);
        foreach (var m in Merges) vocab[m.Replace(" ", "")] = vocab.Count;
        return vocab;
    }

    /// <summary>Llama 3 layout: Split(regex) + ByteLevel(use_regex=false), BOS from the post-processor template.</summary>
    public static string Llama3Style(bool arrayMerges)
    {
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                Added(BeginOfText, "<|begin_of_text|>", special: true),
                Added(EndOfText, "<|end_of_text|>", special: true),
                Added(Plain, "[PLAIN]", special: false)),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Llama3Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["processors"] = new JsonArray(
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true },
                    new JsonObject
                    {
                        ["type"] = "TemplateProcessing",
                        ["single"] = new JsonArray(
                            new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<|begin_of_text|>", ["type_id"] = 0 } },
                            new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                    }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = Model(arrayMerges),
        };
        return root.ToJsonString();
    }

    /// <summary>GPT-2 layout: a lone ByteLevel pre-tokenizer that applies GPT-2's own regex.</summary>
    public static string Gpt2Style() => new JsonObject
    {
        ["added_tokens"] = new JsonArray(Added(EndOfText, "<|endoftext|>", special: true)),
        ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
        ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
        ["model"] = Model(arrayMerges: false),
    }.ToJsonString();

    /// <summary>A SentencePiece-converted BPE (Llama 2 style), which is not byte-level.</summary>
    public static string SentencePieceStyle() => new JsonObject
    {
        ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray() },
        ["pre_tokenizer"] = null,
        ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = new JsonArray(new JsonObject { ["type"] = "ByteFallback" }) },
        ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = new JsonObject { ["▁a"] = 0 }, ["merges"] = new JsonArray() },
    }.ToJsonString();

    private static JsonObject Model(bool arrayMerges) => new()
    {
        ["type"] = "BPE",
        ["dropout"] = null,
        ["unk_token"] = null,
        ["byte_fallback"] = false,
        ["vocab"] = JsonSerializer.SerializeToNode(Vocab()),
        ["merges"] = arrayMerges
            ? new JsonArray(Merges.Select(m => (JsonNode)new JsonArray(m.Split(' ').Select(p => (JsonNode)JsonValue.Create(p)!).ToArray())).ToArray())
            : new JsonArray(Merges.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
    };

    private static JsonObject Added(int id, string content, bool special) =>
        new() { ["id"] = id, ["content"] = content, ["single_word"] = false, ["normalized"] = false, ["special"] = special };
}
