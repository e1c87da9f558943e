using LeapEngine.Core.Synthetic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>
/// The trainer's AdamW against an independent computation (the update written out in doubles, element by element)
/// and against TorchSharp's optim.AdamW, which it replaced for Scalar lifetimes only: the same weights must come out.
/// </summary>
public class AdamWOptimizerTests
{
    private static readonly double[] Rates = [1e-2, 5e-3, 2e-2, 1e-3, 1e-2, 3e-3];

    /// <summary>Two parameters whose gradients are set by a loss with a known gradient: sum(c * p) has gradient c.</summary>
    private static (Parameter[] Parameters, Tensor[] Gradients) Setup(int seed)
    {
        var generator = new Generator((ulong)seed);
        var parameters = new[] { new Parameter(randn([3, 4], generator: generator)), new Parameter(randn([5], generator: generator)) };
        var gradients = new[] { randn([Rates.Length, 3, 4], generator: generator), randn([Rates.Length, 5], generator: generator) };
        return (parameters, gradients);
    }

    private static void Backward(Parameter[] parameters, Tensor[] gradients, int step)
    {
        // stack, not +: a tensor addition makes a Scalar (its alpha) that the finalizer thread could free mid-call.
        stack(parameters.Select((p, i) => (p * gradients[i][step]).sum())).sum().backward();
    }

    [Fact]
    public void Every_step_matches_the_update_written_out_in_doubles()
    {
        var (parameters, gradients) = Setup(7);
        var expected = parameters.Select(p => p.data<float>().Select(v => (double)v).ToArray()).ToArray();
        var m = expected.Select(e => new double[e.Length]).ToArray();
        var v = expected.Select(e => new double[e.Length]).ToArray();
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, decay = 0.01;
        using var optimizer = new AdamWOptimizer(parameters, Rates[0], weightDecay: decay);
        for (int step = 0; step < Rates.Length; step++)
        {
            optimizer.LearningRate = Rates[step];
            optimizer.ZeroGrad();
            Backward(parameters, gradients, step);
            optimizer.Step();
            int t = step + 1;
            for (int i = 0; i < parameters.Length; i++)
            {
                var g = gradients[i][step].data<float>().ToArray();
                for (int j = 0; j < g.Length; j++)
                {
                    expected[i][j] *= 1 - Rates[step] * decay;
                    m[i][j] = beta1 * m[i][j] + (1 - beta1) * g[j];
                    v[i][j] = beta2 * v[i][j] + (1 - beta2) * g[j] * g[j];
                    double mHat = m[i][j] / (1 - Math.Pow(beta1, t));
                    double denominator = Math.Sqrt(v[i][j]) / Math.Sqrt(1 - Math.Pow(beta2, t)) + eps;
                    expected[i][j] -= Rates[step] * mHat / denominator;
                }
                var actual = parameters[i].data<float>().ToArray();
                for (int j = 0; j < actual.Length; j++)
                    Assert.True(Math.Abs(actual[j] - expected[i][j]) <= 1e-5 * (1 + Math.Abs(expected[i][j])),
                        $"step {t}, parameter {i}[{j}]: {actual[j]} against {expected[i][j]}");
            }
        }
    }

    [Fact]
    public void The_same_weights_come_out_as_from_TorchSharps_AdamW_bit_for_bit()
    {
        // The invariant: models trained before the trainer's own optimizer train again to the same bytes.
        var (ours, gradients) = Setup(11);
        var (theirs, _) = Setup(11);
        using var optimizer = new AdamWOptimizer(ours, Rates[0], weightDecay: 0.01);
        using var reference = optim.AdamW(theirs, Rates[0], weight_decay: 0.01);
        for (int step = 0; step < Rates.Length; step++)
        {
            optimizer.LearningRate = Rates[step];
            foreach (var group in reference.ParamGroups) group.LearningRate = Rates[step];
            optimizer.ZeroGrad();
            reference.zero_grad();
            Backward(ours, gradients, step);
            Backward(theirs, gradients, step);
            optimizer.Step();
            reference.step();
        }
        for (int i = 0; i < ours.Length; i++)
            Assert.Equal(theirs[i].data<float>().ToArray(), ours[i].data<float>().ToArray());
    }

    [Fact]
    public void A_parameter_without_a_gradient_is_left_as_it_was_and_keeps_its_own_step_count()
    {
        var (parameters, gradients) = Setup(3);
        var untouched = parameters[1].data<float>().ToArray();
        using var optimizer = new AdamWOptimizer(parameters, 1e-2, weightDecay: 0.01);
        (parameters[0] * gradients[0][0]).sum().backward();   // only the first has a gradient
        optimizer.Step();
        Assert.Equal(untouched, parameters[1].data<float>().ToArray());
        Assert.Null(parameters[1].grad);
    }

    [Theory]
    [InlineData(-1e-3, 0.01, 0.9, 0.999, "learningRate")]
    [InlineData(1e-3, -0.01, 0.9, 0.999, "weightDecay")]
    [InlineData(1e-3, 0.01, 1.0, 0.999, "beta1")]
    [InlineData(1e-3, 0.01, 0.9, -0.5, "beta2")]
    public void Settings_outside_their_range_are_refused_by_name(double rate, double decay, double beta1, double beta2, string name)
    {
        var (parameters, _) = Setup(1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdamWOptimizer(parameters, rate, decay, beta1, beta2));
        Assert.Equal(name, error.ParamName);
    }
}
