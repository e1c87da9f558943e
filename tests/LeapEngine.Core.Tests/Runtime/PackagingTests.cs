using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Runtime;

/// <summary>
/// Pins the libtorch packaging (build/Torch.props, build/Torch.targets): Core references the managed TorchSharp only,
/// each host carries exactly one native libtorch package (the one LeapTorch chose), and no project names a native
/// package itself. Read from this test host's own .deps.json, which lists every package the program resolved.
/// </summary>
public sealed class PackagingTests
{
    [Fact]
    public void This_host_carries_exactly_one_native_libtorch_the_one_its_build_chose()
    {
        var libraries = DepsJson()["libraries"]!.AsObject().Select(p => p.Key).ToList();
        var native = libraries.Where(l => l.StartsWith("libtorch-", StringComparison.OrdinalIgnoreCase)).ToList();

        var chosen = typeof(PackagingTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "LeapTorchPackage").Value;
        Assert.Single(native);
        Assert.StartsWith(chosen + "/", native[0]);
        Assert.DoesNotContain(libraries, l => l.StartsWith("TorchSharp.PyBridge/", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Core_depends_on_managed_TorchSharp_and_on_no_native_libtorch()
    {
        var deps = DepsJson();
        var targets = deps["targets"]![(string)deps["runtimeTarget"]!["name"]!]!.AsObject();
        var core = targets.Single(t => t.Key.StartsWith("LeapEngine.Core/")).Value!;
        var dependencies = core["dependencies"]!.AsObject().Select(d => d.Key).ToList();

        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("TorchSharp.PyBridge", dependencies);
    }

    [Fact]
    public void No_project_file_names_a_native_libtorch_package_itself()
    {
        var root = RepositoryRoot();
        var projects = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.csproj", SearchOption.AllDirectories))
            .ToList();
        Assert.NotEmpty(projects);
        var nativeReference = new Regex(@"<PackageReference\s+Include=""(libtorch|TorchSharp-c(pu|uda))", RegexOptions.IgnoreCase);
        Assert.All(projects, p => Assert.DoesNotMatch(nativeReference, File.ReadAllText(p)));
    }

    [Fact]
    public void Asking_for_cuda_without_it_says_why()
    {
        if (cuda.is_available()) return;   // a GPU host with the CUDA libtorch: nothing to explain
        var error = Assert.Throws<ArgumentException>(() => DeviceSetting.Parse("cuda:0"));
        Assert.Contains(DeviceSetting.HasCudaLibtorch() ? "--gpus all" : "-p:LeapTorch=cuda", error.Message);
    }

    private static JsonNode DepsJson()
    {
        var path = Path.Combine(AppContext.BaseDirectory, typeof(PackagingTests).Assembly.GetName().Name + ".deps.json");
        return JsonNode.Parse(File.ReadAllText(path))!;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("LeapEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
