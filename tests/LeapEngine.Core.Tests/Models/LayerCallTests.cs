using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tests.ModelSharing;
using LeapEngine.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// Blocks and attention modules are TorchSharp modules of (x, LayerContext) run with
/// <c>.call()</c> by the one layer loop, so TorchSharp's own forward hooks see every layer,
/// in every family, as the hook points do. The models are this class's own: its tests attach hooks.
/// </summary>
public class LayerCallTests(OwnModelsFixture own) : IClassFixture<OwnModelsFixture>
{
    private static Tensor Ids() => tensor(new long[] { 1, 403, 407, 261, 378 }).unsqueeze(0);

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Every_block_and_attention_runs_through_call_with_its_own_layer_view(string name)
    {
        var model = own.Get(name);
        using var noGrad = no_grad();
        int layers = model.Config.NLayers;
        var seen = new List<(string Module, int Index, long QueryStart, long[] Shape)>();
        var removers = new List<IDisposable>();
        foreach (var (path, module) in model.named_modules())
        {
            if (module is not nn.Module<Tensor, LayerContext, Tensor> layerModule) continue;
            var hook = layerModule.register_forward_hook((_, _, layer, output) =>
            {
                seen.Add((path, layer.Index, layer.QueryStart, output.shape));
                return output;
            });
            removers.Add(new Removal(hook.remove));
        }
        try
        {
            model.Forward(Ids(), new ForwardOptions { LogitsFrom = -2 }).Dispose();
        }
        finally
        {
            foreach (var r in removers) r.Dispose();
        }

        var expected = Enumerable.Range(0, layers).SelectMany(i => new[] { $"blocks.{i}.attn", $"blocks.{i}" }).ToList();
        Assert.Equal(expected, seen.Select(s => s.Module).ToList());   // attention finishes inside its block
        foreach (var s in seen)
        {
            bool last = s.Index == layers - 1;
            Assert.Equal(int.Parse(s.Module.Split('.')[1]), s.Index);
            Assert.Equal(last ? 3 : 0, s.QueryStart);                 // only the last layer keeps the logits' queries
            Assert.Equal(new long[] { 1, last ? 2 : 5, model.Config.DModel }, s.Shape);
        }
    }

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void A_module_hook_that_replaces_a_block_output_acts_as_the_resid_post_hook_point(string name)
    {
        var model = own.Get(name);
        using var noGrad = no_grad();
        using var viaHookPoint = model.RunWithHooks(Ids(), null, ("blocks.0.hook_resid_post", (x, _) => x.Times(0.5)));
        var block = (nn.Module<Tensor, LayerContext, Tensor>)model.named_modules().Single(m => m.name == "blocks.0").module;
        var hook = block.register_forward_hook((_, _, _, output) => output.Times(0.5));
        Tensor viaModuleHook;
        try
        {
            viaModuleHook = model.Forward(Ids());
        }
        finally
        {
            hook.remove();
        }
        using (viaModuleHook)
        using (var clean = model.Forward(Ids()))
        {
            TensorAssert.Close(viaHookPoint, viaModuleHook, 1e-6, "module hook = hook point");
            Assert.True((clean - viaModuleHook).abs().max().item<float>() > 1e-3, "halving block 0's output must change the logits");
        }
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
