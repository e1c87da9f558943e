using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Tokenization;

public class TokenizerLoaderTests
{
    [Fact]
    public void Loads_sentencepiece_from_a_llama2c_folder_and_file()
    {
        var fromDir = TokenizerLoader.FromDirectory(SharedFiles.Model("stories260K"));
        var fromFile = TokenizerLoader.FromFile(SharedFiles.Model("stories260K", "tok512.model"));
        Assert.IsType<SentencePieceTokenizer>(fromDir);
        Assert.IsType<SentencePieceTokenizer>(fromFile);
        Assert.Equal(fromFile.Encode("Once upon a time").Ids, fromDir.Encode("Once upon a time").Ids);
    }

    [Fact]
    public void Loads_tokenizer_model_from_a_hugging_face_llama_folder() =>
        Assert.IsType<SentencePieceTokenizer>(TokenizerLoader.FromDirectory(SharedFiles.Model("stories260K-hf"), "llama"));

    [Fact]
    public void Uses_offline_gpt2_data_for_a_gpt2_folder_without_tokenizer_files()
    {
        var tok = TokenizerLoader.FromDirectory(SharedFiles.Fixture("gpt2-tiny"), "gpt2");
        Assert.Same(Gpt2Tokenizer.FromTiktokenData(), tok);
    }

    [Fact]
    public void Prefers_tokenizer_json()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "tokenizer.json"), TinyTokenizerJson.Llama3Style(arrayMerges: true));
        File.Copy(SharedFiles.Model("stories260K", "tok512.model"), Path.Combine(dir.Path, "tokenizer.model"));
        Assert.IsType<ByteLevelBpeTokenizer>(TokenizerLoader.FromDirectory(dir.Path));
        Assert.IsType<ByteLevelBpeTokenizer>(TokenizerLoader.FromFile(Path.Combine(dir.Path, "tokenizer.json")));
    }

    [Fact]
    public void Falls_back_to_the_sentencepiece_model_when_tokenizer_json_is_not_byte_level()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "tokenizer.json"), TinyTokenizerJson.SentencePieceStyle());
        File.Copy(SharedFiles.Model("stories260K", "tok512.model"), Path.Combine(dir.Path, "tokenizer.model"));
        Assert.IsType<SentencePieceTokenizer>(TokenizerLoader.FromDirectory(dir.Path));
    }

    [Fact]
    public void Loads_vocab_and_merges()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "vocab.json"), System.Text.Json.JsonSerializer.Serialize(TinyTokenizerJson.Vocab()));
        File.WriteAllLines(Path.Combine(dir.Path, "merges.txt"), ["#version: 0.2", .. TinyTokenizerJson.Merges]);
        var tok = TokenizerLoader.FromDirectory(dir.Path, "gpt2");
        Assert.IsType<Gpt2Tokenizer>(tok);
        Assert.NotSame(Gpt2Tokenizer.FromTiktokenData(), tok);
        Assert.Equal([TinyTokenizerJson.Vocab()["hello"]], tok.Encode("hello").Ids);
    }

    [Fact]
    public void Names_what_it_looked_for_when_nothing_is_there()
    {
        using var dir = new TempDir();
        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.FromDirectory(dir.Path, "llama"));
        Assert.Contains(dir.Path, error.Message);
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("tokenizer.model", error.Message);
        Assert.Contains("vocab.json + merges.txt", error.Message);
        Assert.Throws<DirectoryNotFoundException>(() => TokenizerLoader.FromDirectory(Path.Combine(dir.Path, "missing")));
    }
}
