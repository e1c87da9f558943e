using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LeapEngine.Cli.Check;

/// <summary>A mistake in a check config, at the line and column where it was written.</summary>
public sealed class CheckConfigException(SourceLocation at, string message) : Exception($"{at}: {message}")
{
    public SourceLocation At { get; } = at;
}

/// <summary>
/// Typed reads of YamlDotNet's node tree that fail with the node's file:line:column and what was expected. The
/// representation model (rather than deserialising into classes) keeps every node's position, so each assertion can be
/// traced to its line for CI annotations.
/// </summary>
public sealed class YamlNodes(string file)
{
    public SourceLocation At(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    public CheckConfigException Error(YamlNode node, string message) => new(At(node), message);

    public YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping (key: value lines), got {Kind(node)}");

    public YamlSequenceNode Sequence(YamlNode node, string what) =>
        node as YamlSequenceNode ?? throw Error(node, $"{what} must be a list (lines starting with '- '), got {Kind(node)}");

    public string String(YamlNode node, string what)
    {
        if (node is not YamlScalarNode { Value: { } value } scalar || IsNull(scalar))
            throw Error(node, $"{what} must be text, got {Kind(node)}");
        return value;
    }

    public string NonEmpty(YamlNode node, string what)
    {
        var value = String(node, what);
        if (string.IsNullOrWhiteSpace(value)) throw Error(node, $"{what} is empty");
        return value;
    }

    public double Number(YamlNode node, string what)
    {
        var text = String(node, what);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Error(node, $"{what} must be a finite number, got '{text}'");
        return value;
    }

    public int Integer(YamlNode node, string what, int min, int max)
    {
        var text = String(node, what);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw Error(node, $"{what} must be a whole number from {min} to {max}, got '{text}'");
        return value;
    }

    /// <summary>The mapping's entries by key; a key that is not allowed is an error that lists the allowed ones (typos never pass silently).</summary>
    public Dictionary<string, (YamlNode Key, YamlNode Value)> Entries(YamlMappingNode map, string what, params string[] allowed)
    {
        var entries = new Dictionary<string, (YamlNode, YamlNode)>();
        foreach (var (key, value) in map.Children)
        {
            var name = String(key, $"a key of {what}");
            if (!allowed.Contains(name))
                throw Error(key, $"unknown key '{name}' in {what}; allowed: {string.Join(", ", allowed)}");
            entries[name] = (key, value);
        }
        return entries;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    private static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode s => $"'{s.Value}'",
        _ => node.NodeType.ToString(),
    };
}
