using System.Text;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

public class ByteLevelBpeTokenizerTests
{
    private static readonly Dictionary<string, int> V = TinyTokenizerJson.Vocab();

    private static ByteLevelBpeTokenizer Load(string json, string? config = null) =>
        ByteLevelBpeTokenizer.FromTokenizerJson(
            new MemoryStream(Encoding.UTF8.GetBytes(json)),
            config is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(config)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_a_llama3_style_file_with_either_merge_format(bool arrayMerges)
    {
        var tok = Load(TinyTokenizerJson.Llama3Style(arrayMerges));
        Assert.Equal(303, tok.VocabSize);
        Assert.Equal(TinyTokenizerJson.BeginOfText, tok.BosId); // from the post-processor template
        Assert.Equal(TinyTokenizerJson.EndOfText, tok.EosId);

        var encoded = tok.Encode("hello world", addBos: true);
        Assert.Equal([TinyTokenizerJson.BeginOfText, V["hello"], V["Ġworld"]], encoded.Ids);
        Assert.Equal([new(0, 0), new(0, 5), new(5, 6)], encoded.Offsets);
        Assert.Equal(" world", tok.TokenText(V["Ġworld"]));
        Assert.Equal("hello world", tok.Decode(encoded.Ids));
    }

    [Fact]
    public void Uses_the_files_split_regex_not_gpt2s()
    {
        // Llama 3 splits digits in threes, so "123"+"45" never merge; GPT-2's regex keeps "12345" whole.
        var llama = Load(TinyTokenizerJson.Llama3Style(arrayMerges: false)).Encode("12345");
        var gpt2 = Load(TinyTokenizerJson.Gpt2Style()).Encode("12345");
        Assert.Equal([V["123"], V["45"]], llama.Ids);
        Assert.Equal([new(0, 3), new(3, 2)], llama.Offsets);
        Assert.Equal([V["12345"]], gpt2.Ids);
    }

    [Fact]
    public void Cuts_added_tokens_out_whole_and_decodes_only_the_plain_ones()
    {
        var tok = Load(TinyTokenizerJson.Llama3Style(arrayMerges: false));
        const string text = "hello<|end_of_text|>[PLAIN] world";
        var encoded = tok.Encode(text);
        Assert.Equal([V["hello"], TinyTokenizerJson.EndOfText, TinyTokenizerJson.Plain, V["Ġworld"]], encoded.Ids);
        Assert.Equal([new(0, 5), new(5, 15), new(20, 7), new(27, 6)], encoded.Offsets);
        Assert.Equal("hello[PLAIN] world", tok.Decode(encoded.Ids));
        Assert.Equal("<|end_of_text|>", tok.TokenText(TinyTokenizerJson.EndOfText));
        TokenizationAssert.SpansCoverText(encoded);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("  hello\n\n  world  ")]
    [InlineData("It's 2024: café, 😀 and 中文!")]
    [InlineData("\t")]
    [InlineData("")]
    public void Spans_cover_the_original_text_and_decode_round_trips(string text)
    {
        TokenizationAssert.RoundTrips(Load(TinyTokenizerJson.Llama3Style(arrayMerges: true)), text);
        TokenizationAssert.RoundTrips(Load(TinyTokenizerJson.Gpt2Style()), text);
    }

    [Fact]
    public void Takes_bos_and_eos_names_from_tokenizer_config()
    {
        var tok = Load(TinyTokenizerJson.Gpt2Style(), """{"bos_token": {"content": "<|endoftext|>"}, "eos_token": "<|endoftext|>"}""");
        Assert.Equal(TinyTokenizerJson.EndOfText, tok.BosId);
        Assert.Equal(TinyTokenizerJson.EndOfText, tok.EosId);
        Assert.Equal(TinyTokenizerJson.EndOfText, Load(TinyTokenizerJson.Gpt2Style()).EosId);
    }

    [Fact]
    public void Refuses_a_bpe_that_is_not_byte_level() =>
        Assert.Throws<NotSupportedException>(() => Load(TinyTokenizerJson.SentencePieceStyle()));
}
