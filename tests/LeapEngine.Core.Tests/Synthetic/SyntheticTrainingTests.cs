using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Tasks;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>The synthetic vocabulary, the training run's determinism, and the errors bad settings get.</summary>
public class SyntheticTrainingTests
{
    private static readonly SyntheticVocabulary Vocab = SyntheticVocabulary.Instance;

    [Fact]
    public void The_written_tokenizer_encodes_each_spaced_word_as_its_own_id()
    {
        using var temp = new TempDir();
        Vocab.WriteTokenizer(temp.Path);
        var tokenizer = TokenizerLoader.FromDirectory(temp.Path, "llama");
        Assert.Equal(Vocab.Size, tokenizer.VocabSize);
        Assert.Equal(Vocab.BosId, tokenizer.BosId);
        Assert.Equal(Vocab.EosId, tokenizer.EosId);
        int[] ids = [Vocab.Id("ka"), Vocab.Id("b"), Vocab.Id("zz"), Vocab.Id("vz"), Vocab.Id("aa")];
        var text = Vocab.Text(ids);
        Assert.Equal(" ka b zz vz aa", text);
        var encoded = tokenizer.Encode(text, addBos: true);
        Assert.Equal([Vocab.BosId, .. ids], encoded.Ids);
        Assert.Equal(text, tokenizer.Decode(encoded.Ids));
        // Anything else still encodes, byte by byte, instead of failing.
        Assert.Equal([(int)'K', (int)'!'], tokenizer.Encode("K!").Ids);
    }

    [Fact]
    public void The_same_seed_trains_the_same_weights_and_another_seed_others()
    {
        var options = new SyntheticTrainingOptions { Seed = 5, Steps = 6, BatchSize = 4, MaxLength = 12 };
        var task = new KeyRetrievalTask(5);
        var a = Weights(task, options);
        var b = Weights(task, options);
        var c = Weights(task, options with { Seed = 6 });
        Assert.Equal(a.Keys, b.Keys);
        foreach (var name in a.Keys) Assert.Equal(a[name], b[name]);
        Assert.Contains(a.Keys, name => !a[name].SequenceEqual(c[name]));
    }

    [Fact]
    public void Tasks_plant_what_they_claim()
    {
        var task = new KeyRetrievalTask(3);
        var rng = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            int copies = i % 4;
            var e = task.Sample(rng, 20, copies);
            Assert.Equal(copies, e.Planted.Length);
            Assert.Equal(copies, e.Tokens.Count(t => task.Keys.Contains(t)));
            Assert.Equal(copies == 0 ? task.NoneId : task.AnswerFor(e.Tokens[e.Planted[0]]), e.Answer);
            Assert.Equal(e.Tokens.Length + 1, e.Targets.Length);
            Assert.Equal(e.Answer, e.Targets[^1]);
            foreach (var v in task.Interventions(e, rng))
                Assert.True(v.Name != "remove the key" || v.Tokens.All(t => !task.Keys.Contains(t)));
        }
        // Two seeds map the keys to different answers.
        var other = new KeyRetrievalTask(4);
        Assert.Contains(task.Keys, k => task.AnswerFor(k) != other.AnswerFor(k));
    }

    [Fact]
    public void Bad_settings_say_what_to_fix()
    {
        var unknown = Assert.Throws<ArgumentException>(() => SyntheticTasks.Create("no-such-task", 0));
        Assert.Contains("key-retrieval", unknown.Message);
        Assert.Contains("d_model", Assert.Throws<ArgumentException>(() => new SyntheticTrainingOptions { DModel = 60, Heads = 8 }.Validate()).Message);
        Assert.Contains("context length", Assert.Throws<ArgumentException>(() => new SyntheticTrainingOptions { MaxLength = 2000 }.Validate()).Message);
        Assert.Contains("steps", Assert.Throws<ArgumentException>(() => new SyntheticTrainingOptions { Steps = 0 }.Validate()).Message);
        Assert.Contains("not a synthetic word", Assert.Throws<ArgumentException>(() => Vocab.Id("abc")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyRetrievalTask(0).Sample(new Random(0), 4, copies: 5));
    }

    private static Dictionary<string, float[]> Weights(SyntheticTask task, SyntheticTrainingOptions options)
    {
        var (model, _) = SyntheticTrainer.Train(task, options);
        using (model)
        {
            var tensors = model.WeightNames().Export();
            var result = tensors.ToDictionary(t => t.Key, t => t.Value.data<float>().ToArray());
            foreach (var t in tensors.Values) t.Dispose();
            return result;
        }
    }
}
