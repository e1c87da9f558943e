using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tensors;

/// <summary>
/// Tensor arithmetic with numbers, written so that every TorchSharp <see cref="Scalar"/> outlives the native call
/// that reads it. TorchSharp hands a Scalar to libtorch as a bare handle and does not keep the object alive
/// (no GC.KeepAlive), so a Scalar made for one call (an implicit conversion, <c>x + 1e-5</c>, and even
/// <c>a + b</c>, which is <c>add(b, alpha: 1)</c>) can be finalized on the finalizer thread while libtorch is
/// still reading it; libtorch then fails with "toFloat ... Expected false to be true" (c10/core/Scalar.h) or reads
/// freed memory. Here the constant one is a static (never finalized) and the others are disposed only after the
/// call returns. Core uses these instead of the operators with numbers and instead of <c>+</c> between tensors;
/// <c>ScalarLifetimeTests</c> scans Core's IL to keep it that way.
/// </summary>
internal static class ScalarOps
{
    /// <summary>The alpha of every tensor addition: static, so no finalizer ever frees it.</summary>
    private static readonly Scalar One = 1.ToScalar();

    /// <summary>a + b (element-wise, broadcasting).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + b; an integer keeps an integer tensor's dtype.</summary>
    public static Tensor Plus(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.add(s, One);
    }

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.add(s, One);
    }

    /// <summary>a - b; an integer keeps an integer tensor's dtype.</summary>
    public static Tensor Minus(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.sub(s);
    }

    /// <summary>a - b.</summary>
    public static Tensor Minus(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.sub(s);
    }

    /// <summary>b - a (the number minus the tensor).</summary>
    public static Tensor SubtractedFrom(this Tensor a, double b) => a.neg().Plus(b);

    /// <summary>b - a (the number minus the tensor); an integer keeps an integer tensor's dtype.</summary>
    public static Tensor SubtractedFrom(this Tensor a, long b) => a.neg().Plus(b);

    /// <summary>a * b; an integer keeps an integer tensor's dtype.</summary>
    public static Tensor Times(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.mul(s);
    }

    /// <summary>a * b.</summary>
    public static Tensor Times(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.mul(s);
    }

    /// <summary>a / b (true division).</summary>
    public static Tensor DividedBy(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.div(s);
    }

    /// <summary>b / a (the number divided by the tensor).</summary>
    public static Tensor Into(this Tensor a, double b) => a.reciprocal().Times(b);

    /// <summary>a += b * c in place (<c>addcmul_</c> with value 1).</summary>
    public static Tensor PlusProductInPlace(this Tensor a, Tensor b, Tensor c) => a.addcmul_(b, c, One);

    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(this Tensor a, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        return a.masked_fill(mask, s);
    }

    /// <summary><paramref name="value"/> written where <paramref name="mask"/> is true, in place.</summary>
    public static Tensor MaskedFillInPlace(this Tensor a, Tensor mask, double value)
    {
        using var s = value.ToScalar();
        return a.masked_fill_(mask, s);
    }

    /// <summary>max(a, min) element-wise; an integer keeps an integer tensor's dtype.</summary>
    public static Tensor ClampMin(this Tensor a, long min)
    {
        using var s = min.ToScalar();
        return a.clamp_min(s);
    }

    /// <summary>max(a, min) element-wise.</summary>
    public static Tensor ClampMin(this Tensor a, double min)
    {
        using var s = min.ToScalar();
        return a.clamp_min(s);
    }

    /// <summary>a &gt;= b element-wise (bool).</summary>
    public static Tensor IsAtLeast(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.ge(s);
    }

    /// <summary>a &gt;= b element-wise (bool).</summary>
    public static Tensor IsAtLeast(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.ge(s);
    }

    /// <summary>a &gt; b element-wise (bool).</summary>
    public static Tensor IsGreaterThan(this Tensor a, double b)
    {
        using var s = b.ToScalar();
        return a.gt(s);
    }

    /// <summary>a == b element-wise (bool).</summary>
    public static Tensor IsEqualTo(this Tensor a, long b)
    {
        using var s = b.ToScalar();
        return a.eq(s);
    }

    /// <summary>[start, stop) by step as int64.</summary>
    public static Tensor Arange(long start, long stop, long step = 1, Device? device = null)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        using var by = step.ToScalar();
        return arange(first, end, by, ScalarType.Int64, device);
    }
}
