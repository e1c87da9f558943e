using System.CommandLine;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli;

/// <summary>
/// Options whose value is one of an enum's, spelt as the API spells it (<c>batched_prefix_cache</c>, <c>cosine</c>), so a
/// command line and a request body use the same words. A wrong value fails with the list of valid ones.
/// </summary>
public static class EnumOption
{
    /// <summary>
    /// A text option checked at parse time; read it with <see cref="Parse{T}"/>. Text rather than <c>Option&lt;T&gt;</c> so
    /// the help shows the default as the API spells it (an enum option would print <c>BatchedPrefixCache</c>).
    /// </summary>
    public static Option<string> Create<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        var option = new Option<string>(name)
        {
            Description = $"{description}: {string.Join(", ", SnakeCase.Names<T>())}",
            HelpName = string.Join("|", SnakeCase.Names<T>()),
            DefaultValueFactory = _ => SnakeCase.Name(defaultValue),
        };
        option.Validators.Add(result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (text is not null && !SnakeCase.TryParse<T>(text, out _)) result.AddError(Message<T>(name, text));
        });
        option.CompletionSources.Add(SnakeCase.Names<T>().ToArray());
        return option;
    }

    /// <summary>The value as <typeparamref name="T"/>, or an error naming the option and listing the valid values.</summary>
    public static T Parse<T>(string? text, string name) where T : struct, Enum =>
        SnakeCase.TryParse<T>(text, out var value) ? value : throw new ArgumentException(Message<T>(name, text));

    private static string Message<T>(string name, string? text) where T : struct, Enum =>
        $"{name}: {SnakeCase.UnknownValue(typeof(T), "value", text)}";
}
