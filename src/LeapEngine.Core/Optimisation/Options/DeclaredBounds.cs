using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace LeapEngine.Core.Optimisation.Options;

/// <summary>
/// Runs the data-annotation bounds declared on an options record and turns the first failure into the
/// <see cref="InvalidOptionException"/> the engine throws for bad input, naming the field by its path and the value given.
/// </summary>
internal static class DeclaredBounds
{
    /// <summary>Error messages for the bounds: {0} is the property, {1} and {2} the range's ends.</summary>
    public const string Between = "{0} must be {1} to {2}", Positive = "{0} must be a positive number",
        NonNegative = "{0} must be a number >= 0", StrictlyBetween = "{0} must lie strictly between {1} and {2}", Required = "{0} is required";

    public static void Check(object options, string path)
    {
        var failures = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true)) return;
        var failure = failures[0];
        string member = failure.MemberNames.FirstOrDefault() ?? "";
        object? value = options.GetType().GetProperty(member)?.GetValue(options);
        string given = value is null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        throw new InvalidOptionException($"{path}.{member}", $"{path}.{failure.ErrorMessage}, got {given}");
    }
}
