using System.Reflection;
using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Optimisation;

/// <summary>The hybrid's knobs that only some of its variants have (every variant has its GCG's and its descent's).</summary>
public enum HybridKnob
{
    /// <summary><see cref="InterleavedHybridOptions.DescentSteps"/>, <see cref="ReseedHybridOptions.DescentSteps"/>.</summary>
    DescentSteps,
    /// <summary><see cref="InterleavedHybridOptions.NearestTokens"/>.</summary>
    NearestTokens,
    /// <summary><see cref="SequentialHybridOptions.DescentFraction"/>.</summary>
    DescentFraction,
    /// <summary><see cref="SequentialHybridOptions.BestReadouts"/>.</summary>
    BestReadouts,
}

/// <summary>
/// Which hybrid variants read each <see cref="HybridKnob"/>: the API's per-variant options and the CLI consult it to refuse
/// a knob the chosen variant does not have. Read off the variants' options types (a knob is the public property of that
/// name), so the table cannot drift from what the engine can be given.
/// </summary>
public static class HybridKnobs
{
    private static readonly Dictionary<HybridKnob, HybridVariant[]> Readers = Enum.GetValues<HybridKnob>().ToDictionary(
        knob => knob,
        knob => Enum.GetValues<HybridVariant>()
            .Where(v => HybridOptions.Of(v).GetType().GetProperty(knob.ToString(), BindingFlags.Public | BindingFlags.Instance) is not null)
            .ToArray());

    /// <summary>The variants whose options have <paramref name="knob"/>, in declaration order.</summary>
    public static IReadOnlyList<HybridVariant> ReadBy(HybridKnob knob) =>
        Readers.GetValueOrDefault(knob) ?? throw new ArgumentOutOfRangeException(nameof(knob), knob, "unknown hybrid knob");

    public static bool Reads(this HybridVariant variant, HybridKnob knob) => ReadBy(knob).Contains(variant);
}
