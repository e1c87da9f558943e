using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace LeapEngine.Jobs.Handlers;

/// <summary>
/// Declarative checks of a job request: the data annotations on its properties (<see cref="RangeAttribute"/>,
/// <see cref="MaxLengthAttribute"/>...) run before its handler validates it, and the first that fails becomes the
/// same 400 a hand-written check gives (<see cref="JobRequestException"/>: the snake_case field and a message that names
/// it, ending with the value that was sent). An attribute's ErrorMessage is written with <c>{0}</c> for the field and
/// the attribute's own arguments after it, e.g. <c>[Range(1, 500, ErrorMessage = "{0} must be {1} to {2}")]</c>.
/// Options objects nested in a request (declared in the request's own assembly, e.g. an optimisation's <c>search</c>)
/// are checked the same way, their fields named by path (<c>search.descent_steps</c>).
/// </summary>
public static class JobRequestValidation
{
    /// <summary>Throws <see cref="JobRequestException"/> for the first annotated property (in declaration order) that fails.</summary>
    public static void Check(object request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Check(request, request.GetType().Assembly, prefix: "");
    }

    private static void Check(object instance, Assembly owner, string prefix)
    {
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            string field = prefix + LeapJson.Options.PropertyNamingPolicy!.ConvertName(property.Name);   // as the wire spells it
            object? value = property.GetValue(instance);
            var context = new ValidationContext(instance) { MemberName = property.Name, DisplayName = field };
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (attribute.GetValidationResult(value, context) is { ErrorMessage: { } message })
                    throw new JobRequestException(field, attribute is IWholeMessage ? message : $"{message}, got {Shown(value)}");
            }
            if (value is not null and not string and not IEnumerable && value.GetType() is { IsClass: true } type && type.Assembly == owner)
                Check(value, owner, field + ".");
        }
    }

    /// <summary>The value as the caller sent it; text and lists by their length (the whole of either may be long).</summary>
    private static string Shown(object? value) => value switch
    {
        null => "null",
        string s => $"{s.Length} characters",
        ICollection c => $"{c.Count} items",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>A validation attribute whose message says all there is (it is not about the value's size): no ", got ..." is added.</summary>
public interface IWholeMessage;
