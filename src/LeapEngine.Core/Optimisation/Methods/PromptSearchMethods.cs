using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>Every prompt-search method, by options type, by request value and by name: the one list a new method joins.</summary>
public static class PromptSearchMethods
{
    public static IReadOnlyList<PromptSearchMethod> All { get; } = [new DescentSearch(), new GcgSearch(), new HybridSearch()];

    private static readonly Dictionary<OptimisationMethod, PromptSearchMethod> ByMethod = All.ToDictionary(m => m.Method);

    /// <summary>The plug-in that reads <paramref name="options"/> (dispatch on the options' type).</summary>
    public static PromptSearchMethod For(SearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return All.FirstOrDefault(m => m.OptionsType.IsInstanceOfType(options))
               ?? throw new ArgumentException($"no search reads {options.GetType().Name}; use the options of one of: {Names}");
    }

    /// <summary>The plug-in for a method value; an undefined value is an error that names the known ones.</summary>
    public static PromptSearchMethod For(OptimisationMethod method) =>
        ByMethod.GetValueOrDefault(method) ?? throw new ArgumentException($"unknown method {method}; use one of: {Names}");

    /// <summary>The plug-in named <paramref name="name"/> (snake_case), or null.</summary>
    public static PromptSearchMethod? Find(string? name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>The known names, comma-separated, for error messages.</summary>
    public static string Names => string.Join(", ", All.Select(m => m.Name));
}
