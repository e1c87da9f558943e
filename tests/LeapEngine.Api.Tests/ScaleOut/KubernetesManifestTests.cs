using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Scheduling;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// deploy/kubernetes passes the schema of each kind (<see cref="KubernetesManifests"/>), and its parts fit
/// together: selectors select, references resolve, every served model class has its own worker pool and a
/// KEDA ScaledObject on exactly that class's Hangfire queues, and grace periods cover the worker's.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly List<(string File, JsonObject Doc)> Manifests = KubernetesManifests.Load();

    [Fact]
    public void Every_manifest_passes_the_schema_of_its_kind()
    {
        var errors = Manifests.SelectMany(m => KubernetesManifests.Errors(m.Doc).Select(e => $"{m.File} {m.Doc["kind"]}/{Name(m.Doc)}: {e}")).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
        var kinds = Manifests.Select(m => Kind(m.Doc)).ToHashSet();
        Assert.Superset(new HashSet<string> { "Deployment", "Service", "Secret", "ScaledObject", "PodDisruptionBudget", "TriggerAuthentication" }, kinds);
    }

    [Fact]
    public void The_schema_check_refuses_a_misspelt_field_a_missing_image_and_a_wrong_type()
    {
        var broken = KubernetesManifests.Parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: broken }
            spec:
              replica: 2
              selector: { matchLabels: { app: x } }
              template:
                metadata: { labels: { app: x } }
                spec:
                  terminationGracePeriodSeconds: "soon"
                  containers:
                    - name: api
            """).Single();
        var errors = string.Join('\n', KubernetesManifests.Errors(broken));
        Assert.Contains("/spec", errors);                                                 // "replica" is not a field
        Assert.Contains("/spec/template/spec/containers/0", errors);                      // no image
        Assert.Contains("/spec/template/spec/terminationGracePeriodSeconds", errors);     // not an integer
        Assert.Equal(["kind 'CronJob' has no schema"], KubernetesManifests.Errors(new JsonObject { ["kind"] = "CronJob" }).Select(e => e[..e.IndexOf(" in ")]));
    }

    [Fact]
    public void Kustomization_lists_every_manifest_file()
    {
        var kustomization = Manifests.Single(m => Kind(m.Doc) == "Kustomization");
        var listed = kustomization.Doc["resources"]!.AsArray().Select(r => r!.GetValue<string>()).Order().ToList();
        var files = Manifests.Select(m => m.File).Distinct().Where(f => f != kustomization.File).Order().ToList();
        Assert.Equal(files, listed);
    }

    [Fact]
    public void Selectors_select_their_pods_and_every_reference_resolves()
    {
        var deployments = Of("Deployment");
        foreach (var d in deployments)
            Assert.True(Selects(d["spec"]!["selector"]!["matchLabels"]!, d["spec"]!["template"]!["metadata"]!["labels"]),
                $"Deployment {Name(d)}: its selector does not match its own pod labels");
        foreach (var s in Of("Service"))
            Assert.Contains(deployments, d => Selects(s["spec"]!["selector"]!, d["spec"]!["template"]!["metadata"]!["labels"]));
        foreach (var pdb in Of("PodDisruptionBudget"))
            Assert.Single(deployments, d => Selects(pdb["spec"]!["selector"]!["matchLabels"]!, d["spec"]!["template"]!["metadata"]!["labels"]));
        Assert.Equal(deployments.Count, Of("PodDisruptionBudget").Count);   // every pool has a budget

        var secret = Of("Secret").Single();
        var secretKeys = secret["stringData"]!.AsObject().Select(p => p.Key).ToHashSet();
        var configMaps = Of("ConfigMap").Select(Name).ToHashSet();
        foreach (var container in deployments.SelectMany(Containers))
        {
            foreach (var env in container["env"]?.AsArray() ?? [])
                if (env!["valueFrom"]?["secretKeyRef"] is { } key)
                {
                    Assert.Equal(Name(secret), key["name"]!.GetValue<string>());
                    Assert.Contains(key["key"]!.GetValue<string>(), secretKeys);
                }
            foreach (var from in container["envFrom"]?.AsArray() ?? [])
                Assert.Contains(from!["configMapRef"]!["name"]!.GetValue<string>(), configMaps);
        }
        foreach (var t in Of("TriggerAuthentication").SelectMany(t => t["spec"]!["secretTargetRef"]!.AsArray()))
            Assert.Contains(t!["key"]!.GetValue<string>(), secretKeys);
    }

    [Fact]
    public void The_api_is_probed_on_healthz_and_readyz_and_has_its_secrets()
    {
        var api = Of("Deployment").Single(d => Name(d) == "leap-api");
        var container = Containers(api).Single();
        Assert.Equal("/healthz", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/readyz", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        var env = container["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("Leap__Database__ConnectionString", env);
        Assert.Contains("Leap__Api__OperatorKey", env);
        Assert.True(api["spec"]!["replicas"]!.GetValue<long>() >= 2, "one API replica is no scale-out");
    }

    [Fact]
    public void Every_served_class_has_a_worker_pool_and_a_scaled_object_on_exactly_the_queues_it_reads()
    {
        var config = Of("ConfigMap").Single()["data"]!.AsObject();
        var served = config.Where(p => Regex.IsMatch(p.Key, @"^Leap__Models__Served__\d+__Class$")).Select(p => p.Value!.GetValue<string>()).Distinct().ToList();
        Assert.True(served.Count >= 2, "the manifests should show at least two model classes");
        double grace = double.Parse(config["Leap__Jobs__ShutdownGraceSeconds"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var models = new ModelsOptions { Served = served.Select(c => new ServedModel { Id = c, Class = c }).ToList() };

        foreach (var modelClass in served)
        {
            var pool = Of("Deployment").Single(d => Containers(d).Any(c => Env(c, "Leap__Jobs__Classes__0") == modelClass));
            Assert.Null(Containers(pool).Single()["env"]!.AsArray().FirstOrDefault(e => e!["name"]!.GetValue<string>() == "Leap__Jobs__Classes__1"));
            Assert.NotNull(pool["spec"]!["template"]!["spec"]!["nodeSelector"]);
            Assert.NotNull(Containers(pool).Single()["resources"]!["requests"]);
            // Room for the job's grace period, the hand-back and the host's own stop.
            Assert.True(pool["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]!.GetValue<long>() >= grace + 15,
                $"{Name(pool)}: terminationGracePeriodSeconds must cover Leap:Jobs:ShutdownGraceSeconds + 15");

            var scaled = Of("ScaledObject").Single(s => s["spec"]!["scaleTargetRef"]!["name"]!.GetValue<string>() == Name(pool));
            var query = scaled["spec"]!["triggers"]![0]!["metadata"]!["query"]!.GetValue<string>();
            var queues = Regex.Matches(query, @"'([a-z0-9_]+)'").Select(m => m.Groups[1].Value).Order().ToList();
            // Scaled on exactly the queues its workers read: the class's, plus the black-box class's where the pool
            // serves it (the default) — a pool that serves black-box jobs but ignores their depth leaves them waiting.
            bool servesBlackBox = Env(Containers(pool).Single(), "Leap__Jobs__ServeBlackBox") is not "false";
            Assert.Equal(JobQueues.All(models, [modelClass], servesBlackBox).Order().ToList(), queues);
            Assert.Contains("hangfire.jobqueue", query);
        }
        // Some worker pool must serve black-box jobs, or they wait forever.
        Assert.Contains(Of("Deployment"), d => Containers(d).Any(c => Env(c, "Leap__Jobs__Classes__0") is not null
            && Env(c, "Leap__Jobs__ServeBlackBox") is not "false"));

        var gpu = Of("Deployment").Single(d => Containers(d).Any(c => Env(c, "Leap__Models__Device") == "cuda"));
        Assert.Equal("1", Containers(gpu).Single()["resources"]!["requests"]!["nvidia.com/gpu"]!.GetValue<string>());
        Assert.Equal("true", gpu["spec"]!["template"]!["spec"]!["nodeSelector"]!["nvidia.com/gpu.present"]!.GetValue<string>());
        Assert.Contains(Of("Deployment"), d => Containers(d).Any(c => Env(c, "Leap__Models__Device") == "cpu"));
    }

    private static List<JsonObject> Of(string kind) => Manifests.Where(m => Kind(m.Doc) == kind).Select(m => m.Doc).ToList();

    private static string Kind(JsonObject doc) => doc["kind"]!.GetValue<string>();

    private static string Name(JsonObject doc) => doc["metadata"]?["name"]?.GetValue<string>() ?? "";

    private static IEnumerable<JsonObject> Containers(JsonObject deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c!.AsObject());

    private static string? Env(JsonObject container, string name) =>
        container["env"]?.AsArray().FirstOrDefault(e => e!["name"]!.GetValue<string>() == name)?["value"]?.GetValue<string>();

    /// <summary>Whether every label of <paramref name="selector"/> is on <paramref name="labels"/>.</summary>
    private static bool Selects(JsonNode selector, JsonNode? labels) =>
        labels is not null && selector.AsObject().All(p => labels[p.Key]?.GetValue<string>() == p.Value!.GetValue<string>());
}
