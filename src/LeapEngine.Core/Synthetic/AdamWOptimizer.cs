using LeapEngine.Core.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Synthetic;

/// <summary>
/// AdamW (decoupled weight decay, Loshchilov and Hutter) for the synthetic trainer. The arithmetic is TorchSharp's
/// <c>optim.AdamW</c>'s, operation for operation and in the same order, so the same weights come out bit for bit; what
/// differs is that every number a native call reads is a <see cref="Scalar"/> held until that call returns.
/// TorchSharp's own step converts numbers to Scalars implicitly and does not keep them alive, so the finalizer thread
/// can free one while libtorch still reads it (the race <c>ScalarOps</c> explains); a full test run once failed inside
/// it with "toDouble ... Expected false to be true".
/// </summary>
internal sealed class AdamWOptimizer : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;
    private readonly long[] _steps;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;

    /// <remarks>The defaults are TorchSharp 0.107's (and PyTorch's): a model trained before this class replaced
    /// <c>optim.AdamW</c> trains again to the same weights, byte for byte (checked on a saved model's hash).</remarks>
    public AdamWOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        if (learningRate < 0) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must not be negative");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must not be negative");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "the weight decay must not be negative");
        _parameters = parameters;
        LearningRate = learningRate;
        _weightDecay = weightDecay;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        // The moments live as long as the optimizer, outside any caller's dispose scope.
        _expAvg = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _expAvgSq = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _steps = new long[parameters.Count];
    }

    /// <summary>The rate the next <see cref="Step"/> uses (the trainer's schedule sets it before every step).</summary>
    public double LearningRate { get; set; }

    /// <summary>Zeroes every parameter's gradient in place (a parameter without one is left alone).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            using var grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient; a parameter without one keeps its own step count.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var scalars = new ScalarScope();
        var decay = scalars.Of(1 - LearningRate * _weightDecay);
        var beta1 = scalars.Of(_beta1);
        var beta2 = scalars.Of(_beta2);
        var gradShare = scalars.Of(1 - _beta1);
        var squareShare = scalars.Of(1 - _beta2);
        var eps = scalars.Of(_eps);
        var one = scalars.Of(1L);
        for (int i = 0; i < _parameters.Count; i++)
        {
            var parameter = _parameters[i];
            var grad = parameter.grad;
            if (grad is null) continue;
            long step = ++_steps[i];
            double biasCorrection1 = 1 - Math.Pow(_beta1, step);
            double biasCorrection2 = 1 - Math.Pow(_beta2, step);
            parameter.mul_(decay);
            _expAvg[i].mul_(beta1).add_(grad, gradShare);
            _expAvgSq[i].mul_(beta2).addcmul_(grad, grad, squareShare);
            var denominator = _expAvgSq[i].sqrt().div(scalars.Of(Math.Sqrt(biasCorrection2))).add_(eps, one);
            parameter.addcdiv_(_expAvg[i], denominator, scalars.Of(-(LearningRate / biasCorrection1)));
        }
    }

    public void Dispose()
    {
        foreach (var t in _expAvg) t.Dispose();
        foreach (var t in _expAvgSq) t.Dispose();
    }
}
