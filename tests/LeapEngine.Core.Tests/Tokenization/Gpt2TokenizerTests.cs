using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

public class Gpt2TokenizerTests
{
    private static readonly Lazy<Gpt2Tokenizer> FromVocabFiles = new(BuildFromExportedRanks);

    public static TheoryData<string> Texts =>
    [
        "Hello world, Mary puts an apple in the box",
        "  leading and trailing  ",
        "line one\nline two\n\n\ttabbed",
        "It's what we'll do, they've said; I'm sure you're right.",
        "café naïve — “quoted” résumé",
        "emoji 😀👍🏽 and 中文 日本語",
        "numbers 12345 3.14159",
        "<|endoftext|>after end",
        "",
    ];

    [Fact]
    public void Encodes_the_fixture_sentence_as_the_reference()
    {
        using var ids = LeapEngine.Core.Tensors.Safetensors.Load(SharedFiles.Fixture("gpt2-tiny", "expected.safetensors"), n => n == "input_ids")["input_ids"];
        var expected = ids.data<long>().ToArray();
        var encoded = Gpt2Tokenizer.FromTiktokenData().Encode("Hello world, Mary puts an apple in the box");
        Assert.Equal(expected.Select(v => (int)v), encoded.Ids);
        Assert.Equal(new TextSpan(5, 6), encoded.Offsets[1]); // " world"
        Assert.Equal(1, encoded.WordOfToken[1]);
    }

    [Fact]
    public void Describes_gpt2()
    {
        var tok = Gpt2Tokenizer.FromTiktokenData();
        Assert.Same(tok, Gpt2Tokenizer.FromTiktokenData());
        Assert.Equal(50257, tok.VocabSize);
        Assert.Equal(50256, tok.BosId);
        Assert.Equal(50256, tok.EosId);
        Assert.Equal("<|endoftext|>", tok.TokenText(50256));
        Assert.Equal(" world", tok.TokenText(995));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Spans_cover_the_original_text_and_decode_round_trips(string text)
    {
        var tok = Gpt2Tokenizer.FromTiktokenData();
        if (text.Contains("<|endoftext|>"))
        {
            // The special text becomes one id, and Decode skips it like any special token.
            var encoded = tok.Encode(text);
            Assert.Equal(50256, encoded.Ids[0]);
            Assert.Equal(new TextSpan(0, 13), encoded.Offsets[0]);
            TokenizationAssert.SpansCoverText(encoded);
            Assert.Equal("after end", tok.Decode(encoded.Ids));
            return;
        }
        TokenizationAssert.RoundTrips(tok, text);
    }

    [Fact]
    public void Tokens_that_split_a_character_share_its_span()
    {
        var tok = Gpt2Tokenizer.FromTiktokenData();
        var encoded = tok.Encode("a 😀");
        // " \xF0\x9F\x98" then "\x80": both pieces cover the whole emoji (chars 2-3); the first also the space.
        Assert.Equal([new(0, 1), new(1, 3), new(2, 2)], encoded.Offsets);
        Assert.StartsWith(" <0xF0>", tok.TokenText(encoded.Ids[1]));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Vocab_and_merges_exported_from_tiktoken_give_the_same_ids(string text)
    {
        var tiktoken = Gpt2Tokenizer.FromTiktokenData();
        var bpe = FromVocabFiles.Value;
        Assert.Equal(tiktoken.Encode(text).Ids, bpe.Encode(text).Ids);
        Assert.Equal(tiktoken.Encode(text).Offsets, bpe.Encode(text).Offsets);
        Assert.Equal(50256, bpe.EosId);
    }

    [Fact]
    public void Reads_vocab_json_and_merges_txt_files()
    {
        using var dir = new TempDir();
        // A tiny byte-level vocabulary: all 256 bytes, then "he", "ll", "hell", "hello", "Ġw", "Ġwo".
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevelAlphabet.Encode((byte)b).ToString(), b => b);
        string[] merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "Ġw o"];
        foreach (var m in merges) vocab[m.Replace(" ", "")] = vocab.Count;
        vocab["<|endoftext|>"] = vocab.Count;
        File.WriteAllText(Path.Combine(dir.Path, "vocab.json"), System.Text.Json.JsonSerializer.Serialize(vocab));
        File.WriteAllLines(Path.Combine(dir.Path, "merges.txt"), ["#version: 0.2", .. merges]);

        var tok = Gpt2Tokenizer.FromVocabAndMerges(Path.Combine(dir.Path, "vocab.json"), Path.Combine(dir.Path, "merges.txt"));
        var encoded = tok.Encode("hello world<|endoftext|>");
        Assert.Equal([vocab["hello"], vocab["Ġwo"], 'r' - 0, 'l' - 0, 'd' - 0, vocab["<|endoftext|>"]], encoded.Ids);
        Assert.Equal(" wo", tok.TokenText(vocab["Ġwo"]));
        Assert.Equal("hello world", tok.Decode(encoded.Ids));
        Assert.Equal(vocab["<|endoftext|>"], tok.BosId);
        TokenizationAssert.SpansCoverText(encoded);
    }

    /// <summary>
    /// Turns tiktoken's ranks into vocab + merges the way Hugging Face converts them: the merge that
    /// makes a token is the last step of BPE on its bytes using only lower-ranked tokens.
    /// </summary>
    private static Gpt2Tokenizer BuildFromExportedRanks()
    {
        var ranks = Gpt2TiktokenData.LoadRanks();
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < ranks.Length; id++)
        {
            var key = ByteLevelAlphabet.Encode(ranks[id]);
            rankOf[key] = id;
            vocab[key] = id;
        }
        var merges = new List<string>();
        for (int id = 0; id < ranks.Length; id++)
        {
            if (ranks[id].Length < 2) continue;
            var parts = ranks[id].Select(b => ByteLevelAlphabet.Encode(b).ToString()).ToList();
            while (parts.Count > 2)
            {
                int best = -1, bestRank = int.MaxValue;
                for (int i = 0; i + 1 < parts.Count; i++)
                    if (rankOf.TryGetValue(parts[i] + parts[i + 1], out int r) && r < id && r < bestRank) { best = i; bestRank = r; }
                if (best < 0) break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            Assert.Equal(2, parts.Count);
            merges.Add(parts[0] + " " + parts[1]);
        }
        vocab[Gpt2Tokenizer.EndOfText] = Gpt2Tokenizer.EndOfTextId;
        return Gpt2Tokenizer.FromVocabAndMerges(vocab, merges, "gpt2 exported from tiktoken");
    }
}
