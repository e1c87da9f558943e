using System.ComponentModel.DataAnnotations;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Serialization;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Optimisation.Search;

/// <summary>
/// A hybrid knob that only some variants read (<see cref="HybridKnobs.ReadBy"/>): given for another variant it fails
/// validation with a message naming the knob, the variant sent and the variants that read it, instead of being
/// silently ignored. Left out (null) it always passes. An unknown variant passes here; reading it names that fault.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ReadByVariantsAttribute(HybridKnob knob) : ValidationAttribute, IWholeMessage
{
    public HybridKnob Knob { get; } = knob;

    protected override ValidationResult? IsValid(object? value, ValidationContext context)
    {
        if (value is null || context.ObjectInstance is not HybridSearchOptions options) return ValidationResult.Success;
        if (!SnakeCase.TryParse<HybridVariant>(options.Variant, out var variant) || variant.Reads(Knob)) return ValidationResult.Success;
        var readers = string.Join(" and ", HybridKnobs.ReadBy(Knob).Select(SnakeCase.Name));
        return new ValidationResult(
            $"{context.DisplayName} applies to the {readers} hybrid only, not {SnakeCase.Name(variant)}: remove it or choose a variant that reads it");
    }
}
