using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// The structure of the common JUnit XML as the Jenkins junit-10 schema (xunit-plugin) defines it, checked by hand: which
/// elements may hold which, the attributes each may carry and must carry, and the time format. GitLab and the GitHub
/// test-report actions read this shape.
/// </summary>
public static class JUnitSchema
{
    private static readonly Regex Time = new(@"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$");

    private static readonly Dictionary<string, (string[] Required, string[] Optional, string[] Children)> Elements = new()
    {
        ["testsuites"] = ([], ["name", "time", "tests", "failures", "errors"], ["testsuite"]),
        ["testsuite"] = (["name", "tests", "failures", "errors"],
            ["group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"],
            ["testsuite", "properties", "testcase", "system-out", "system-err"]),
        ["properties"] = ([], [], ["property"]),
        ["property"] = (["name", "value"], [], []),
        ["testcase"] = (["name"], ["time", "classname", "group"],
            ["skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"]),
        ["failure"] = ([], ["type", "message"], []),
        ["error"] = ([], ["type", "message"], []),
        ["skipped"] = ([], ["type", "message"], []),
        ["system-out"] = ([], [], []),
        ["system-err"] = ([], [], []),
    };

    public static void AssertValid(XDocument document)
    {
        Assert.Equal("testsuites", document.Root!.Name.LocalName);
        Check(document.Root);
    }

    private static void Check(XElement e)
    {
        var name = e.Name.LocalName;
        Assert.True(Elements.TryGetValue(name, out var rule), $"<{name}> is not a JUnit element");
        foreach (var required in rule.Required) Assert.True(e.Attribute(required) is not null, $"<{name}> lacks its required attribute {required}");
        foreach (var a in e.Attributes())
            Assert.True(rule.Required.Contains(a.Name.LocalName) || rule.Optional.Contains(a.Name.LocalName), $"<{name}> may not carry {a.Name}");
        if (e.Attribute("time") is { } t) Assert.Matches(Time, t.Value);
        foreach (var child in e.Elements())
        {
            Assert.True(rule.Children.Contains(child.Name.LocalName), $"<{name}> may not hold <{child.Name}>");
            Check(child);
        }
    }
}
