using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tests.ModelSharing;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>Hook points and hooked runs, on this class's own models (hooks on the shared ones would reach other classes' passes).</summary>
public class HookTests(OwnModelsFixture own) : IClassFixture<OwnModelsFixture>
{
    private static Tensor Ids() => tensor(new long[] { 1, 403, 407, 261, 378 }).unsqueeze(0);

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Every_TransformerLens_hook_point_exists_with_its_shape(string name)
    {
        var model = own.Get(name);
        var c = model.Config;
        var (logits, cache) = model.RunWithCache(Ids());
        using (logits)
        using (cache)
        {
            long[] Resid() => [1, 5, c.DModel];
            var expected = new Dictionary<string, long[]>
            {
                ["hook_embed"] = Resid(),
                ["ln_final.hook_normalized"] = Resid(),
            };
            if (name == "gpt2") expected["hook_pos_embed"] = Resid();
            for (int l = 0; l < c.NLayers; l++)
            {
                var p = $"blocks.{l}.";
                foreach (var h in new[] { "hook_resid_pre", "hook_resid_mid", "hook_resid_post", "hook_attn_out", "hook_mlp_out" })
                    expected[p + h] = Resid();
                expected[p + "attn.hook_q"] = [1, 5, c.NHeads, c.DHead];
                expected[p + "attn.hook_k"] = [1, 5, c.NKvHeads, c.DHead];
                expected[p + "attn.hook_v"] = [1, 5, c.NKvHeads, c.DHead];
                expected[p + "attn.hook_z"] = [1, 5, c.NHeads, c.DHead];
                expected[p + "attn.hook_pattern"] = [1, c.NHeads, 5, 5];
                expected[p + "mlp.hook_post"] = [1, 5, c.DMlp];
            }
            foreach (var (hook, shape) in expected)
            {
                Assert.True(cache.Contains(hook), $"missing hook point {hook}");
                Assert.Equal(shape, cache[hook].shape);
            }
            // Attention patterns are causal distributions.
            var pattern = cache["blocks.0.attn.hook_pattern"];
            TensorAssert.Close(ones(1, c.NHeads, 5), pattern.sum(-1), 1e-5, "pattern rows sum to 1");
            Assert.Equal(0.0, pattern.triu(1).abs().sum().item<float>(), 6);
        }
    }

    [Fact]
    public void A_replacing_hook_changes_the_output_and_is_removed_afterwards()
    {
        var model = own.Get("stories");
        using var noGrad = no_grad();
        using var clean = model.Forward(Ids());
        using var ablated = model.RunWithHooks(Ids(), null, ("blocks.*.hook_mlp_out", (x, _) => zeros_like(x)));
        Assert.True((clean - ablated).abs().max().item<float>() > 1e-2, "zero-ablating every MLP must change the logits");
        Assert.All(model.HookPoints.Values, h => Assert.False(h.HasHooks));
        using var again = model.Forward(Ids());
        TensorAssert.Close(clean, again, 0, "hooks are gone after the run");
    }

    [Fact]
    public void Hooks_are_removed_when_a_hook_throws()
    {
        var model = own.Get("stories");
        Assert.Throws<InvalidOperationException>(() =>
            model.RunWithHooks(Ids(), null, ("blocks.2.hook_resid_post", (_, _) => throw new InvalidOperationException("boom"))));
        Assert.All(model.HookPoints.Values, h => Assert.False(h.HasHooks));
    }

    [Fact]
    public void A_hook_returning_the_wrong_shape_is_a_clear_error()
    {
        var model = own.Get("stories");
        var e = Assert.Throws<InvalidOperationException>(() =>
            model.RunWithHooks(Ids(), null, ("blocks.0.hook_resid_pre", (x, _) => x.narrow(1, 0, 2))));
        Assert.Contains("blocks.0.hook_resid_pre", e.Message);
        Assert.All(model.HookPoints.Values, h => Assert.False(h.HasHooks));
    }

    [Fact]
    public void Unknown_hook_names_are_rejected_before_running()
    {
        var model = own.Get("stories");
        var e = Assert.Throws<ArgumentException>(() => model.RunWithCache(Ids(), ["blocks.9.hook_resid_post"]));
        Assert.Contains("blocks.9.hook_resid_post", e.Message);
        Assert.Contains("blocks.0.hook_resid_post", e.Message);
    }

    [Fact]
    public void Embeddings_input_matches_ids_and_carries_gradients()
    {
        var model = TestModels.Shared("stories");   // no hook: gradients go to the input embeddings only
        var ids = Ids();
        using var fromIds = model.Forward(ids);
        using var embeds = model.TokenEmbeddings.index_select(0, ids[0]).unsqueeze(0).detach().requires_grad_(true);
        using var fromEmbeds = model.ForwardEmbeddings(embeds);
        TensorAssert.Close(fromIds, fromEmbeds.detach(), 1e-5, "logits from embeddings");
        fromEmbeds[0, -1, 292].backward();
        Assert.NotNull(embeds.grad);
        Assert.True(embeds.grad!.abs().sum().item<float>() > 0);
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
    }
}
