using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

public static class TensorAssert
{
    /// <summary>Same shape and every element within <paramref name="tolerance"/> (absolute).</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        using var diff = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs();
        double max = diff.max().item<double>();
        Assert.True(max <= tolerance, $"{what}: max abs difference {max:E3} exceeds {tolerance:E1}");
    }
}
