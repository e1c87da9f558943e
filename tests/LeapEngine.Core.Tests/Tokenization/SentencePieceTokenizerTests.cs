using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

public class SentencePieceTokenizerTests
{
    // Loading is cheap but there is no reason to repeat it per test.
    private static readonly Lazy<SentencePieceTokenizer> Tok512 =
        new(() => SentencePieceTokenizer.FromFile(SharedFiles.Model("stories260K", "tok512.model")));
    private static readonly Lazy<Llama2cReferenceEncoder> Reference =
        new(() => new Llama2cReferenceEncoder(SharedFiles.Model("stories260K", "tok512.bin"), 512));

    private static readonly int[] GoldenIds =
        [403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292];

    public static TheoryData<string> Texts =>
    [
        "Once upon a time, there was a little girl named Lily.",
        "  a   b \n\tc  ",
        " leading space",
        "trailing space ",
        "   ",
        "\n",
        "Hello\n\nWorld\r\n",
        "café naïve résumé",
        "emoji 😀👍🏽 done",
        "中文 日本語のテキスト 한국어",
        "<s>not special</s>",
        "12345 + 678 = 13023",
        "tabs\tand\u00a0nbsp",
        "x",
    ];

    [Fact]
    public void Describes_tok512()
    {
        var tok = Tok512.Value;
        Assert.Equal(512, tok.VocabSize);
        Assert.Equal(1, tok.BosId);
        Assert.Equal(2, tok.EosId);
        Assert.Equal("<0x0A>", tok.TokenText(13));
        Assert.Equal(" Once", tok.TokenText(403));
        Assert.Contains("tok512.model", tok.Name);
    }

    [Fact]
    public void Encodes_the_golden_sentence_as_llama2c()
    {
        var encoded = Tok512.Value.Encode("Once upon a time, there was a little girl named Lily.", addBos: true);
        Assert.Equal([1, .. GoldenIds[..15]], encoded.Ids);
    }

    [Fact]
    public void Golden_generation_decodes_and_reencodes()
    {
        var tok = Tok512.Value;
        const string text = "Once upon a time, there was a little girl named Lily. She loved to play outsid";
        // Decode drops the dummy prefix space that llama2.c prints as " Once".
        Assert.Equal(text, tok.Decode([1, .. GoldenIds]));
        Assert.Equal(" Once upon", string.Concat(GoldenIds[..2].Select(tok.TokenText)));
        Assert.Equal(GoldenIds, tok.Encode(text).Ids);
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Matches_llama2c_encode(string text) =>
        Assert.Equal(Reference.Value.Encode(text), Tok512.Value.Encode(text).Ids);

    [Theory]
    [MemberData(nameof(Texts))]
    public void Spans_cover_the_original_text_and_decode_round_trips(string text) =>
        TokenizationAssert.RoundTrips(Tok512.Value, text);

    [Fact]
    public void Keeps_whitespace_runs_that_the_model_flag_would_collapse()
    {
        var encoded = Tok512.Value.Encode("a  b");
        // "▁a", "▁", "▁b": the second space is its own token, spanning the original space.
        Assert.Equal([new(0, 1), new(1, 1), new(2, 2)], encoded.Offsets);
        Assert.Equal([0, -1, 1], encoded.WordOfToken);
    }

    [Fact]
    public void First_token_span_excludes_the_dummy_prefix()
    {
        var encoded = Tok512.Value.Encode("Once upon");
        Assert.Equal([new(0, 4), new(4, 5)], encoded.Offsets); // "Once", " upon"
    }

    [Fact]
    public void Byte_fallback_tokens_of_one_character_share_its_span()
    {
        var tok = Tok512.Value;
        const string text = "a 😀中";
        var encoded = tok.Encode(text);
        var byteTokens = Enumerable.Range(0, encoded.Count).Where(i => encoded.Ids[i] is >= 3 and <= 258).ToList();
        Assert.Equal(7, byteTokens.Count); // 4 bytes of the emoji, 3 of the CJK character
        Assert.All(byteTokens.Take(4), i => Assert.Equal(new TextSpan(2, 2), encoded.Offsets[i]));
        Assert.All(byteTokens.Skip(4), i => Assert.Equal(new TextSpan(4, 1), encoded.Offsets[i]));
        Assert.Equal("<0xF0>", tok.TokenText(encoded.Ids[byteTokens[0]]));
    }

    [Fact]
    public void Empty_text_has_no_tokens_but_bos()
    {
        Assert.Empty(Tok512.Value.Encode("").Ids);
        Assert.Equal([1], Tok512.Value.Encode("", addBos: true).Ids);
        Assert.Equal("", Tok512.Value.Decode([1, 2]));
    }

    [Fact]
    public void Hugging_face_folder_has_the_same_tokenizer()
    {
        var hf = SentencePieceTokenizer.FromFile(SharedFiles.Model("stories260K-hf", "tokenizer.model"));
        foreach (var text in Texts) Assert.Equal(Tok512.Value.Encode(text).Ids, hf.Encode(text).Ids);
    }
}
