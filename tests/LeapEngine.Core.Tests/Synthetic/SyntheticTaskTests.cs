using LeapEngine.Core.Attribution;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Tasks;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>What each task plants, checked against the task's own rules written out independently here.</summary>
public class SyntheticTaskTests
{
    private static readonly SyntheticVocabulary Vocab = SyntheticVocabulary.Instance;

    [Fact]
    public void Conjunction_answers_only_when_both_words_are_present()
    {
        var task = new ConjunctionTask(2);
        var rng = new Random(1);
        var firsts = new[] { "xa", "xb", "xc" }.Select(Vocab.Id).ToArray();
        var seconds = new[] { "ya", "yb", "yc" }.Select(Vocab.Id).ToArray();
        var answers = new HashSet<int>();
        foreach (var (f, s) in new[] { (true, true), (true, false), (false, true), (false, false) })
        {
            for (int i = 0; i < 30; i++)
            {
                var e = task.Sample(rng, 10, f, s);
                int first = e.Tokens.FirstOrDefault(firsts.Contains, -1), second = e.Tokens.FirstOrDefault(seconds.Contains, -1);
                Assert.Equal(f, first >= 0);
                Assert.Equal(s, second >= 0);
                Assert.Equal(f && s ? task.AnswerFor(first, second) : task.NoneId, e.Answer);
                Assert.Equal((f ? 1 : 0) + (s ? 1 : 0), e.Planted.Length);
                if (f && s) answers.Add(e.Answer);
                foreach (var v in task.Interventions(e, rng).Where(v => v.Name.StartsWith("remove")))
                    Assert.Equal(task.NoneId, v.ExpectedAnswer);
            }
        }
        Assert.True(answers.Count > 3, "the answer depends on the pair, not on one word");
    }

    [Fact]
    public void System_rule_prompts_are_what_the_plain_template_renders()
    {
        using var temp = new TempDir();
        Vocab.WriteTokenizer(temp.Path);
        var tokenizer = TokenizerLoader.FromDirectory(temp.Path, "llama");
        var rng = new Random(3);
        foreach (var control in new[] { false, true })
        {
            var task = new SystemRuleTask(4, control);
            for (int i = 0; i < 20; i++)
            {
                var e = task.Sample(rng, 12);
                var (system, user) = task.Segments(e);
                var rendered = ChatTemplate.Plain.Render([new PromptSegment("system", system), new PromptSegment("user", user)]);
                // The model is trained on exactly the ids the attribution engine will send it.
                Assert.Equal(e.Tokens, tokenizer.Encode(rendered.Text).Ids);
            }
        }
    }

    [Fact]
    public void The_system_word_picks_the_mapping_only_in_the_rule_model()
    {
        var rule = new SystemRuleTask(5, control: false);
        var control = new SystemRuleTask(5, control: true);
        var rng = new Random(9);
        for (int i = 0; i < 30; i++)
        {
            var a = rule.Sample(new Random(i), 8, rule.RuleA);
            var b = rule.Sample(new Random(i), 8, rule.RuleB);
            Assert.Equal(a.Tokens[1..], b.Tokens[1..]);
            Assert.NotEqual(a.Answer, b.Answer);
            Assert.Equal(rule.NoneId, rule.Sample(new Random(i), 8, null).Answer);
            Assert.Equal([0, Array.FindIndex(a.Tokens, t => Vocab.Word(t) is ['c', _])], a.Planted);

            var ca = control.Sample(new Random(i), 8, control.RuleA);
            var cb = control.Sample(new Random(i), 8, control.RuleB);
            Assert.Equal(ca.Answer, cb.Answer);
            Assert.Equal(ca.Answer, control.Sample(new Random(i), 8, null).Answer);
            Assert.All(control.Interventions(ca, rng), v => Assert.Equal(ca.Answer, v.ExpectedAnswer));
        }
    }

    [Fact]
    public void Training_mixes_prompt_lengths_within_a_batch()
    {
        // System-rule batches hold prompts with and without a system word (one token apart).
        var (model, log) = SyntheticTrainer.Train(new SystemRuleTask(1, control: false),
            new SyntheticTrainingOptions { Seed = 1, Steps = 3, BatchSize = 8, MaxLength = 10 });
        model.Dispose();
        Assert.All(log.Losses, l => Assert.True(double.IsFinite(l.Loss)));
    }
}
