using System.Text.Json;
using System.Text.RegularExpressions;

namespace LeapEngine.Core.Tokenization;

/// <summary>
/// The parts of a Hugging Face tokenizer.json (and optional tokenizer_config.json) that a
/// byte-level BPE needs. Microsoft.ML.Tokenizers 2.0.1 has no tokenizer.json reader, so we read
/// the JSON ourselves and refuse, with NotSupportedException, what we would encode wrongly.
/// </summary>
internal sealed record HfTokenizerJson(
    Dictionary<string, int> Vocab,
    List<string> Merges,
    List<AddedToken> Added,
    string Pattern,
    int? BosId,
    int? EosId)
{
    private static readonly string[] BosNames = ["<|begin_of_text|>", "<s>", "<|startoftext|>"];
    private static readonly string[] EosNames = ["<|end_of_text|>", "<|endoftext|>", "</s>", "<|im_end|>", "<|eot_id|>"];

    public static HfTokenizerJson Parse(Stream tokenizerJson, Stream? tokenizerConfigJson)
    {
        using var doc = JsonDocument.Parse(tokenizerJson, new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = doc.RootElement;
        var model = root.GetProperty("model");
        string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "BPE";
        if (type != "BPE") throw new NotSupportedException($"tokenizer.json model type '{type}' is not supported (only byte-level BPE).");

        var pre = root.TryGetProperty("pre_tokenizer", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        var byteLevel = FindByType(pre, "ByteLevel");
        bool decoderIsByteLevel = root.TryGetProperty("decoder", out var d) && FindByType(d, "ByteLevel") is not null;
        // SentencePiece-converted BPEs (Llama 2 style, byte_fallback with "▁") are not byte-level.
        if (byteLevel is null && !decoderIsByteLevel)
            throw new NotSupportedException("tokenizer.json is not a byte-level BPE (no ByteLevel pre-tokenizer or decoder).");
        if (byteLevel is { } bl && bl.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
            throw new NotSupportedException("tokenizer.json ByteLevel add_prefix_space=true is not supported.");
        if (root.TryGetProperty("normalizer", out var norm) && norm.ValueKind == JsonValueKind.Object
            && norm.TryGetProperty("type", out var nt) && nt.GetString() is not ("NFC" or null))
            throw new NotSupportedException($"tokenizer.json normalizer '{nt.GetString()}' is not supported.");

        // The split regex: a Split pre-tokenizer's pattern when there is one (Llama 3, Qwen), else
        // the GPT-2 regex that ByteLevel(use_regex=true) applies.
        string pattern = Gpt2Tokenizer.Pattern;
        if (FindByType(pre, "Split") is { } split)
        {
            var pat = split.GetProperty("pattern");
            pattern = pat.TryGetProperty("Regex", out var rx) ? rx.GetString()!
                : Regex.Escape(pat.GetProperty("String").GetString()!);
        }
        else if (byteLevel is { } b && b.TryGetProperty("use_regex", out var ur) && ur.ValueKind == JsonValueKind.False)
        {
            throw new NotSupportedException("tokenizer.json ByteLevel(use_regex=false) without a Split pre-tokenizer is not supported.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject()) vocab[entry.Name] = entry.Value.GetInt32();

        var merges = new List<string>();
        if (model.TryGetProperty("merges", out var mergesElement))
        {
            foreach (var merge in mergesElement.EnumerateArray())
            {
                // Older files write "a b"; newer ones (tokenizers >= 0.20) write ["a", "b"].
                if (merge.ValueKind == JsonValueKind.String) { merges.Add(merge.GetString()!); continue; }
                var pair = merge.EnumerateArray().Select(e => e.GetString()!).ToArray();
                if (pair.Length != 2 || pair.Any(s => s.Contains(' ')))
                    throw new NotSupportedException($"tokenizer.json merge {merge} cannot be expressed as \"a b\".");
                merges.Add(pair[0] + " " + pair[1]);
            }
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in addedElement.EnumerateArray())
            {
                added.Add(new AddedToken(a.GetProperty("id").GetInt32(), a.GetProperty("content").GetString()!,
                    a.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True));
            }
        }

        string? configBos = null, configEos = null;
        if (tokenizerConfigJson is not null)
        {
            using var config = JsonDocument.Parse(tokenizerConfigJson, new JsonDocumentOptions { AllowTrailingCommas = true });
            configBos = TokenContent(config.RootElement, "bos_token");
            configEos = TokenContent(config.RootElement, "eos_token");
        }

        var addedIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in added) addedIds.TryAdd(a.Content, a.Id);
        int? Id(string? content) =>
            content is null ? null
            : addedIds.TryGetValue(content, out int a) ? a
            : vocab.TryGetValue(content, out int v) ? v : null;
        int? FirstKnown(string[] names) => names.Select(Id).FirstOrDefault(i => i is not null);

        // BOS: what the post-processor template puts first (Llama 3), else the config's, else a known name.
        int? bos = Id(TemplateBos(root)) ?? Id(configBos) ?? FirstKnown(BosNames);
        int? eos = Id(configEos) ?? FirstKnown(EosNames);
        return new HfTokenizerJson(vocab, merges, added, pattern, bos, eos);
    }

    /// <summary>The element itself, or the first of a Sequence's items, whose "type" is <paramref name="type"/>.</summary>
    private static JsonElement? FindByType(JsonElement? element, string type)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e) return null;
        if (e.TryGetProperty("type", out var t) && t.GetString() == type) return e;
        foreach (var listName in new[] { "pretokenizers", "decoders", "processors" })
        {
            if (!e.TryGetProperty(listName, out var list) || list.ValueKind != JsonValueKind.Array) continue;
            foreach (var item in list.EnumerateArray())
                if (FindByType(item, type) is { } found) return found;
        }
        return null;
    }

    private static string? TemplateBos(JsonElement root)
    {
        if (!root.TryGetProperty("post_processor", out var post)) return null;
        if (FindByType(post, "TemplateProcessing") is not { } template) return null;
        if (!template.TryGetProperty("single", out var single) || single.GetArrayLength() == 0) return null;
        return single[0].TryGetProperty("SpecialToken", out var st) ? st.GetProperty("id").GetString() : null;
    }

    private static string? TokenContent(JsonElement config, string name) =>
        !config.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) ? c.GetString()
        : null;
}
