using System.Reflection;
using LeapEngine.Core.Models;
using LeapEngine.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Runtime;

/// <summary>
/// TorchSharp passes a Scalar to libtorch as a bare handle and does not keep the object alive, so a Scalar made for one
/// call can be finalized mid-call; libtorch then fails with "toFloat ... Expected false to be true" (Scalar.h:140) or
/// reads freed memory. Core makes every Scalar through <see cref="ScalarOps"/> / <see cref="ScalarScope"/>, which keep
/// it alive, and the IL scan keeps it that way. (A stress test cannot stand in for it: <c>x + 1e-5</c> on three threads
/// with a fourth collecting failed in about one 8-second run in three, and model forwards not once in nine 3-second runs.)
/// </summary>
public class ScalarLifetimeTests
{
    private static readonly Lazy<HashSet<MethodBase>> Apis = new(ScalarCallScanner.TemporaryScalarApis);

    [Fact]
    public void Core_makes_no_temporary_scalars()
    {
        var offenders = ScalarCallScanner
            .CallsInto(typeof(ModelConfig).Assembly, Apis.Value, exempt: t => t == typeof(ScalarOps) || t == typeof(ScalarScope))
            .Select(c => $"{c.Caller.DeclaringType!.FullName}.{c.Caller.Name} calls {Describe(c.Api)}")
            .Distinct()
            .ToList();
        Assert.True(offenders.Count == 0,
            "these make a TorchSharp Scalar that can be finalized during the native call; use ScalarOps (Plus, Times, " +
            "MaskedFill, …) or a ScalarScope instead:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_scan_recognises_temporary_scalars_and_only_those()
    {
        var tensor = typeof(Tensor);
        MethodBase Op(string name, params Type[] args) => tensor.GetMethod(name, args)!;
        // Made inside TorchSharp: a + b is add(b, alpha: 1); x + 1e-5 converts the double.
        Assert.Contains(Op("op_Addition", tensor, tensor), Apis.Value);
        Assert.Contains(Op("op_Addition", tensor, typeof(double)), Apis.Value);
        Assert.Contains(Op("op_Multiply", typeof(double), tensor), Apis.Value);
        Assert.Contains(Op("add", tensor), Apis.Value);
        // Handed a Scalar the caller owns: safe, and what ScalarOps uses.
        Assert.DoesNotContain(Op("add", tensor, typeof(Scalar)), Apis.Value);
        Assert.DoesNotContain(Op("mul", typeof(Scalar)), Apis.Value);
        Assert.DoesNotContain(Op("masked_fill", tensor, typeof(Scalar)), Apis.Value);
        Assert.DoesNotContain(Op("op_Subtraction", tensor, tensor), Apis.Value);

        var found = ScalarCallScanner.CallsInto(typeof(ScalarLifetimeTests).Assembly, Apis.Value,
                exempt: t => t != typeof(UnsafeSamples))
            .Select(c => c.Caller.Name).Distinct().Order().ToArray();
        Assert.Equal([nameof(UnsafeSamples.AddsADouble), nameof(UnsafeSamples.AddsTensors), nameof(UnsafeSamples.ConvertsImplicitly)], found);
    }

    private static string Describe(MethodBase m) =>
        $"{m.DeclaringType!.Name}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    /// <summary>What the scan must catch (never run).</summary>
    private static class UnsafeSamples
    {
        public static Tensor AddsADouble(Tensor x) => x + 1e-5;
        public static Tensor AddsTensors(Tensor a, Tensor b) => a + b;
        public static Tensor ConvertsImplicitly(Tensor x) => x.masked_fill(x.isnan(), 0.0);
        public static Tensor Safe(Tensor a, Tensor b) => a.Plus(b).MaskedFill(a.isnan(), 0.0) - b;
    }
}
