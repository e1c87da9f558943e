using System.Text.RegularExpressions;

namespace LeapEngine.Api.Tests.Docs;

/// <summary>
/// docs/api.md read the way the tests check it: its "Request fields of `POST /v1/...`" tables and its fenced shell
/// blocks. A block preceded by <c>&lt;!-- docs-test: skip (reason) --&gt;</c> is not run (starting the server, placeholders);
/// the reason is required so a skipped example is a decision, not an accident.
/// </summary>
public static partial class ApiDoc
{
    public sealed record ShellBlock(int Line, string Code, string? SkipReason);

    public static string Path => System.IO.Path.Combine(RepositoryRoot(), "docs", "api.md");

    public static string[] Lines() => File.ReadAllLines(Path);

    /// <summary>Route ("POST /v1/attributions") → the field names in its table, nested ones dotted (<c>hipe.threshold</c>, <c>cases[].name</c>).</summary>
    public static Dictionary<string, List<string>> FieldTables()
    {
        var lines = Lines();
        var tables = new Dictionary<string, List<string>>();
        for (int i = 0; i < lines.Length; i++)
        {
            var heading = FieldTableHeading().Match(lines[i]);
            if (!heading.Success) continue;
            var route = heading.Groups[1].Value;
            Assert.False(tables.ContainsKey(route), $"docs/api.md line {i + 1}: a second field table for {route}");
            var fields = tables[route] = [];
            int row = i + 1;
            while (row < lines.Length && !lines[row].StartsWith('|')) row++;
            for (row += 2; row < lines.Length && lines[row].StartsWith('|'); row++)   // past the header and its rule
            {
                var cell = FieldCell().Match(lines[row]);
                Assert.True(cell.Success, $"docs/api.md line {row + 1}: a field row must start with | `name` |");
                fields.Add(cell.Groups[1].Value);
            }
        }
        return tables;
    }

    public static List<ShellBlock> ShellBlocks()
    {
        var lines = Lines();
        var blocks = new List<ShellBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```sh") continue;
            int start = i;
            var code = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) code.Add(lines[i]);
            int previous = start - 1;
            while (previous >= 0 && string.IsNullOrWhiteSpace(lines[previous])) previous--;
            var skip = previous >= 0 ? SkipMarker().Match(lines[previous]) : Match.Empty;
            blocks.Add(new ShellBlock(start + 1, string.Join('\n', code), skip.Success ? skip.Groups[1].Value : null));
        }
        return blocks;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LeapEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (LeapEngine.sln) was not found above the test binaries");
    }

    [GeneratedRegex(@"^Request fields of `(POST [^`]+)`:")]
    private static partial Regex FieldTableHeading();

    [GeneratedRegex(@"^\|\s*`([^`]+)`\s*\|")]
    private static partial Regex FieldCell();

    [GeneratedRegex(@"^<!-- docs-test: skip \((.+)\) -->$")]
    private static partial Regex SkipMarker();
}
