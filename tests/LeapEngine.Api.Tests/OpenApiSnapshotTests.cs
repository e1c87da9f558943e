using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>
/// The REST contract cannot change by accident: the OpenAPI document the API serves must equal the reviewed copy in
/// Snapshots/openapi.v1.json. A change that is meant is accepted by regenerating the copy and reviewing its diff:
/// <code>LEAP_UPDATE_OPENAPI_SNAPSHOT=1 dotnet test tests/LeapEngine.Api.Tests -c Release --filter "FullyQualifiedName~OpenApiSnapshotTests"</code>
/// then <c>git diff tests/LeapEngine.Api.Tests/Snapshots/openapi.v1.json</c> shows what clients will see.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiSnapshotTests(ApiFixture api)
{
    public const string UpdateVariable = "LEAP_UPDATE_OPENAPI_SNAPSHOT";
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true, IndentSize = 2,
        // Readable diffs: the snapshot is for people to review, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Fact]
    public async Task The_served_openapi_document_equals_the_reviewed_snapshot()
    {
        var served = Normalise(await api.Client(null).GetStringAsync("/openapi/v1.json"));
        var path = SnapshotPath();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, served);
            return;
        }
        Assert.True(File.Exists(path), $"no snapshot at {path}: create it with {UpdateVariable}=1 (see this class's summary)");
        var reviewed = Normalise(await File.ReadAllTextAsync(path));
        if (served == reviewed) return;
        var (line, expected, actual) = FirstDifference(reviewed, served);
        Assert.Fail($"the OpenAPI document changed at line {line} of the snapshot:\n  snapshot: {expected}\n  served:   {actual}\n" +
                    $"If the change is meant, regenerate with {UpdateVariable}=1 (see OpenApiSnapshotTests) and review the git diff.");
    }

    /// <summary>Same JSON, same text: indentation and line endings never count as a change.</summary>
    private static string Normalise(string json) => JsonNode.Parse(json)!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";

    private static (int Line, string Expected, string Actual) FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "(end of document)";
            var right = i < a.Length ? a[i] : "(end of document)";
            if (left != right) return (i + 1, left.Trim(), right.Trim());
        }
        return (0, "", "");
    }

    /// <summary>The snapshot in the source tree (not the build output), so an update lands where git sees it.</summary>
    private static string SnapshotPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln")))
                return Path.Combine(dir.FullName, "tests", "LeapEngine.Api.Tests", "Snapshots", "openapi.v1.json");
        throw new InvalidOperationException($"the repository root (with LeapEngine.sln) is not above {AppContext.BaseDirectory}");
    }
}
