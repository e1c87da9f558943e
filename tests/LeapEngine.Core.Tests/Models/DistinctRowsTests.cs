using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tests.ModelSharing;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// The first block projects repeated input rows once; results must not change. The models are this class's own:
/// its tests attach hooks and read the network's shared-row counter, which other classes' passes would move.
/// </summary>
public class DistinctRowsTests(OwnModelsFixture own) : IClassFixture<OwnModelsFixture>
{
    [Fact]
    public void Compact_then_expand_restores_every_row()
    {
        using var noGrad = no_grad();
        var keys = tensor(new long[,] { { 3, 5, 3, 9 }, { 5, 5, 9, 3 } });
        var x = keys.to(ScalarType.Float32).unsqueeze(2) * tensor(new float[] { 1, -2 });   // [2, 4, 2], equal rows where keys are equal
        var distinct = DistinctRows.Find(keys);
        Assert.NotNull(distinct);
        Assert.Equal(3, distinct!.Count);
        TensorAssert.Close(x, distinct.Expand(distinct.Compact(x), 2, 4), 0, "expanded rows");
        Assert.Null(DistinctRows.Find(tensor(new long[,] { { 1, 2, 3, 4 } })));   // nothing repeats: not worth it
    }

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Repeated_rows_give_the_same_logits_with_or_without_sharing(string name)
    {
        var model = own.Get(name);
        using var noGrad = no_grad();
        // Three rows that repeat most tokens at the same positions (as perturbed prompts do).
        var ids = tensor(new long[,] { { 1, 403, 407, 261, 378, 432 }, { 1, 403, 261, 378, 432, 383 }, { 1, 403, 407, 261, 378, 7 } });
        using var shared = model.Forward(ids);
        // Any hook turns the sharing off (a hook could make equal tokens differ).
        long sharedPasses = model.SharedFirstLayerPasses;
        using (model.HookPoints["ln_final.hook_normalized"].Add((a, _) => null))
        {
            using var plain = model.Forward(ids);
            TensorAssert.Close(plain, shared, 1e-5, $"{name} logits");
        }
        Assert.Equal(sharedPasses, model.SharedFirstLayerPasses);
    }

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Observers_keep_the_sharing_and_see_what_a_hook_would_see(string name)
    {
        var model = own.Get(name);
        using var noGrad = no_grad();
        var ids = tensor(new long[,] { { 1, 403, 407, 261, 378, 432 }, { 1, 403, 261, 378, 432, 383 }, { 1, 403, 407, 261, 378, 7 } });
        const string watched = "blocks.0.attn.hook_q";
        Tensor? hooked = null, observed = null;

        long before = model.SharedFirstLayerPasses;
        using (model.Attach((watched, (a, _) => { hooked = a.clone().DetachFromDisposeScope(); return null; })))
            model.Forward(ids).Dispose();
        Assert.Equal(before, model.SharedFirstLayerPasses);   // a hook: every row computed on its own

        using (model.Observe((watched, (a, _) => observed = a.clone().DetachFromDisposeScope()), ("hook_embed", (_, _) => { })))
            model.Forward(ids).Dispose();
        Assert.Equal(before + 1, model.SharedFirstLayerPasses);   // an observer: the first layer still shares rows
        TensorAssert.Close(hooked!, observed!, 1e-5, $"{name} {watched} as a hook and as an observer see it");

        model.Forward(ids).Dispose();   // observers are gone once disposed
        Assert.Equal(before + 2, model.SharedFirstLayerPasses);
        Assert.False(model.HookPoints[watched].HasHooks);
        hooked!.Dispose();
        observed!.Dispose();
    }

    [Fact]
    public void An_observer_on_an_unknown_point_names_the_ones_that_exist_and_attaches_nothing()
    {
        var model = own.Get("gpt2");
        var e = Assert.Throws<ArgumentException>(() => model.Observe(("hook_embed", (_, _) => { }), ("blocks.0.hook_nope", (_, _) => { })));
        Assert.Contains("unknown hook point 'blocks.0.hook_nope'", e.Message);
        Assert.False(model.HookPoints["hook_embed"].HasHooks);
    }
}
