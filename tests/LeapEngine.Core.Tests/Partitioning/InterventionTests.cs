using LeapEngine.Core.Hooks;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Tests.Models;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Partitioning;

public class InterventionTests
{
    [Fact]
    public void Ablation_leaves_activations_orthogonal_to_the_ablated_directions_and_keeps_the_rest()
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(21);
        var directions = randn(3, 16, generator: g);
        directions /= directions.norm(1, keepdim: true);
        var centre = randn(16, generator: g);
        var a = randn(4, 5, 16, generator: g) * 3;                                   // [batch, token, width]
        var q = Interventions.OrthonormalBasis(directions);                           // [16, 3]
        var ablated = Interventions.Ablate(a, centre, q);

        var x = ablated - centre;
        Assert.True(x.matmul(directions.t()).abs().max().item<float>() < 1e-4, "ablated activations still project on the directions");
        // The part of a - c orthogonal to the directions is untouched.
        var keep = eye(16) - q.mm(q.t());
        Assert.True((a - centre).matmul(keep).allclose(x, rtol: 0, atol: 1e-4));
        // One direction: the closed form c + x - (x.e)e.
        var e = directions[0];
        var one = Interventions.Ablate(a, centre, Interventions.OrthonormalBasis(directions.narrow(0, 0, 1)));
        var x0 = a - centre;
        Assert.True(one.allclose(centre + x0 - x0.matmul(e).unsqueeze(-1) * e, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void Dependent_directions_are_dropped_from_the_basis_and_too_many_are_rejected()
    {
        using var scope = NewDisposeScope();
        var d = tensor(new float[] { 1, 0, 0, 0, 1, 0, 1, 1, 0 }, [3, 3]);
        Assert.Equal(2, Interventions.OrthonormalBasis(d).shape[1]);
        Assert.Throws<ArgumentException>(() => Interventions.OrthonormalBasis(randn(4, 3)));
    }

    [Fact]
    public void Steering_adds_alpha_times_the_direction_everywhere()
    {
        using var scope = NewDisposeScope();
        var a = randn(2, 3, 8);
        var e = randn(8);
        Assert.True(Interventions.Steer(a, e, 2.5).allclose(a + 2.5 * e));
        Assert.Throws<ArgumentException>(() => Interventions.Steer(a, randn(7), 1));
    }

    [Fact]
    public void An_ablation_hook_on_the_model_makes_the_hook_output_orthogonal()
    {
        using var model = TestModels.Stories();
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(4);
        var directions = randn(2, model.Config.DModel, generator: g);
        var centre = randn(model.Config.DModel, generator: g) * 0.1;
        var q = Interventions.OrthonormalBasis(directions);
        Tensor? seen = null;
        var ids = tensor(new long[] { 1, 403, 407, 261, 378 }).unsqueeze(0);
        model.RunWithHooks(ids, null,
            ("blocks.1.hook_resid_post", (x, _) => Interventions.Ablate(x, centre, q)),
            ("blocks.1.hook_resid_post", (x, _) => { seen = x.detach().clone().DetachFromDisposeScope(); return null; }));
        Assert.NotNull(seen);
        using var kept = seen!;
        Assert.True((seen! - centre).matmul(directions.t()).abs().max().item<float>() < 1e-4);
    }
}
