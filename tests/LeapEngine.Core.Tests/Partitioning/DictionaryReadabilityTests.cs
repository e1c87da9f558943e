using System.Text.Json;
using System.Text.Json.Serialization;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tensors;

namespace LeapEngine.Core.Tests.Partitioning;

/// <summary>
/// What a person reads from a dictionary: metadata in the product's snake_case dialect (old PascalCase files still
/// load), every example naming its token, example lists in order, and build progress measured against the corpus.
/// </summary>
[Collection(nameof(StoriesDictionaryCollection))]
public class DictionaryReadabilityTests(StoriesDictionaryFixture fixture)
{
    [Fact]
    public void File_metadata_is_snake_case_and_a_file_with_pascal_case_metadata_still_loads()
    {
        var bytes = fixture.Dictionary.ToBytes();
        using (var stream = new MemoryStream(bytes))
        {
            var metadata = Safetensors.ReadMetadata(stream, "bytes");
            Assert.Contains("\"model_id\":\"stories260K\"", metadata["info"]);
            Assert.Contains("\"metric\":\"cosine\"", metadata["info"]);
            Assert.Contains("\"positions\":\"all_but_bos\"", metadata["info"]);
            Assert.StartsWith("[{\"exemplar\":{\"snippet\":", metadata["examples"]);
        }

        // A file as the engine wrote it before the dialect was one: .NET names and enum values.
        var legacy = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } };
        var d = fixture.Dictionary;
        using var old = new MemoryStream();
        using (var loaded = new MemoryStream(bytes))
        {
            var tensors = Safetensors.Load(loaded, "bytes");
            Safetensors.Save(old, tensors.Select(t => (t.Key, t.Value)).ToList(), new Dictionary<string, string>
            {
                ["format"] = d.Info.Format,
                ["info"] = JsonSerializer.Serialize(d.Info, legacy),
                ["examples"] = JsonSerializer.Serialize(d.Examples, legacy),
            });
            foreach (var t in tensors.Values) t.Dispose();
        }
        Assert.Contains("ModelId", System.Text.Encoding.UTF8.GetString(old.ToArray()));
        using var reread = ExemplarDictionary.FromBytes(old.ToArray());
        Assert.Equal(d.Info, reread.Info);
        Assert.Equal(d.Examples.Count, reread.Examples.Count);
        Assert.Equal(d.Examples[0].Exemplar, reread.Examples[0].Exemplar);
        Assert.Equal(bytes, reread.ToBytes());   // saved again: today's dialect, the same bytes as a fresh save
    }

    [Fact]
    public void Every_example_names_its_token_and_lists_run_closest_first_and_farthest_first()
    {
        // Texts that start with a digit, punctuation or spaces make SentencePiece emit its dummy-prefix token, which covers
        // no character of the text: it used to show as an empty token.
        var texts = new List<string> { "123 apples fell.", ".dot first", "  two leading spaces", "\"Hello!\" said Sam.", "Tom saw a big dog." };
        using var built = ExemplarPartitioner.Build(fixture.Model,
            new PartitionOptions { Hook = "blocks.2.hook_resid_post", Percentile = 1, SaturationBatches = 0, ExamplesPerRegion = 8 }, texts);
        foreach (var dictionary in new[] { fixture.Dictionary, built })
            foreach (var set in dictionary.Examples)
            {
                foreach (var e in new[] { set.Exemplar! }.Concat(set.Closest).Concat(set.Farthest))
                {
                    Assert.False(string.IsNullOrEmpty(e.Token), $"an example without a token: {e.Snippet}");
                    Assert.Contains($"[{e.Token}]", e.Snippet);
                }
                Assert.True(set.Closest.Zip(set.Closest.Skip(1)).All(p => p.First.Distance <= p.Second.Distance),
                    $"closest not ascending: {string.Join(", ", set.Closest.Select(e => e.Distance))}");
                Assert.True(set.Farthest.Zip(set.Farthest.Skip(1)).All(p => p.First.Distance >= p.Second.Distance),
                    $"farthest not descending: {string.Join(", ", set.Farthest.Select(e => e.Distance))}");
            }
        Assert.Contains(built.Examples, s => s.Exemplar!.Token == "\u2581");
    }

    [Fact]
    public void Progress_total_of_a_small_corpus_is_its_token_count_not_the_budget()
    {
        var texts = new List<string> { "Tom saw a big dog.", "Lily liked to play in the park.", "The sun was hot." };
        var progress = new List<ProgressUpdate>();
        var options = new PartitionOptions { Hook = "blocks.2.hook_resid_post", SaturationBatches = 0 };
        using var d = ExemplarPartitioner.Build(fixture.Model, options, texts, new StoriesDictionaryFixture.SyncProgress(progress));
        Assert.Equal(200_000, options.MaxTokens);
        Assert.NotEmpty(progress);
        Assert.All(progress, p => Assert.Equal(d.Info.Build.Tokens, p.Total));
        Assert.Equal(d.Info.Build.Tokens, progress[^1].Done);
    }
}
