using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using LeapEngine.Api.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LeapEngine.Viewer.Tests;

[CollectionDefinition(Name)]
public sealed class ViewerCollection : ICollectionFixture<ViewerFixture>
{
    public const string Name = "viewer";
}

/// <summary>
/// One live API (real Kestrel, an in-process worker, a throwaway PostgreSQL cluster) and one headless Chromium shared
/// by the viewer's browser tests; each test signs in as tenants of its own in a fresh browser context.
/// </summary>
public sealed class ViewerFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;
    public LeapApiFactory Factory { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright? _playwright;

    public async Task InitializeAsync()
    {
        if (Chromium.Path is null) return;   // every test here is skipped (ChromiumFact), so nothing is started
        Debug("fixture starting");
        Postgres = await PostgresServer.StartAsync();
        Factory = new LeapApiFactory(await Postgres.CreateDatabaseAsync("leap_viewer"), runWorkerInProcess: true, stepDelayMs: 0);
        Factory.UseKestrel(0);
        Factory.StartServer();
        Operator = ApiFixture.Client(Factory, LeapApiFactory.OperatorKey);
        BaseAddress = Operator.BaseAddress!;
        _playwright = await Playwright.CreateAsync();
        // Two shared CPU cores run the server, its worker and the browser: give pages time before calling them broken.
        Assertions.SetDefaultExpectTimeout(30_000);
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium.Path, Headless = true, Args = ["--no-sandbox"] });
        Debug("fixture ready");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Factory is not null) await Factory.DisposeAsync();
        if (Postgres is not null) await Postgres.DisposeAsync();
    }

    public Task<Tenant> NewTenantAsync(string plan = "test") => ApiFixture.NewTenantAsync(Factory, plan);

    /// <summary>A fresh browser context (its own cookies) with one page on the viewer.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseAddress.ToString(), AcceptDownloads = true, ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Script errors fail the test that caused them (a 404 the page expects, e.g. a foreign permalink, is not one).
        page.PageError += (_, message) => errors.Enqueue("page error: " + message);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                errors.Enqueue("console error: " + message.Text);
        };
        ScriptErrors.Add(page, errors);
        page.Console += (_, m) => Debug($"console {m.Type}: {m.Text}");
        page.PageError += (_, m) => Debug($"page error: {m}");
        page.FrameNavigated += (_, f) => Debug($"navigated: {f.Url}");
        page.Response += (_, r) => { if (r.Status >= 400) Debug($"{r.Status}: {r.Url}"); };
        return page;
    }

    /// <summary>A line in the LEAP_VIEWER_DEBUG file, when one is named (timings and page events while working on the viewer).</summary>
    public static void Debug(string line)
    {
        if (Environment.GetEnvironmentVariable("LEAP_VIEWER_DEBUG") is { Length: > 0 } log)
            File.AppendAllText(log, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}\n");
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, System.Collections.Concurrent.ConcurrentQueue<string>> ScriptErrors = new();

    /// <summary>No script error or console error on the page so far.</summary>
    public static void AssertNoScriptErrors(IPage page)
    {
        Assert.True(ScriptErrors.TryGetValue(page, out var errors));
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
    }

    /// <summary>Signs in through the sign-in page, as a person would.</summary>
    public static async Task SignInAsync(IPage page, string key, string path = "/app/jobs")
    {
        await page.GotoAsync(path);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/app/sign-in"));
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("form button[type=submit]");
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/app/sign-in"));
    }

    public async Task<IPage> SignedInPageAsync(Tenant tenant, string path = "/app/jobs")
    {
        var page = await NewPageAsync();
        await SignInAsync(page, tenant.Key, path);
        return page;
    }

    /// <summary>Follows a job through the API until it has ended.</summary>
    public static async Task<JsonObject> FinishedJobAsync(Tenant tenant, string id)
    {
        for (int i = 0; i < 20; i++)
        {
            var job = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/jobs/{id}?wait=30"))!;
            if (job["status"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled") return job;
        }
        throw new TimeoutException($"job {id} did not finish");
    }

    /// <summary>Submits a job through the API and waits for it to succeed.</summary>
    public static async Task<JsonObject> RunJobAsync(Tenant tenant, string route, object body)
    {
        var response = await tenant.Http.PostAsJsonAsync(route, body);
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.IsSuccessStatusCode, created.ToJsonString());
        var job = await FinishedJobAsync(tenant, created["id"]!.GetValue<string>());
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        return job;
    }

    /// <summary>Saves a full-page screenshot with the test results (TestResults/viewer/NAME.png at the repository root).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });
    }

    public static readonly string ScreenshotDir = Path.Combine(RepositoryRoot(), "TestResults", "viewer");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }

    /// <summary>axe-core on the page as it stands: no violation of impact serious or critical.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The WCAG 2.x A and AA rules (contrast, names, labels, structure), the scan's slowest part left as it is.
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        Debug($"axe {what}: {clock.ElapsedMilliseconds} ms");
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"{what}: " + string.Join("; ", bad.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }
}

/// <summary>Where the browser is: LEAP_CHROMIUM, else Debian's chromium on the PATH (.ci/run installs it).</summary>
public static class Chromium
{
    public static readonly string? Path = Find();

    private static string? Find()
    {
        var given = Environment.GetEnvironmentVariable("LEAP_CHROMIUM");
        if (!string.IsNullOrEmpty(given)) return File.Exists(given) ? given : null;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return dirs.SelectMany(d => new[] { System.IO.Path.Combine(d, "chromium"), System.IO.Path.Combine(d, "chromium-browser") })
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>A browser test: skipped, saying why, only when no Chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null)
            Skip = "no Chromium found (install Debian's 'chromium' as .ci/run does, or set LEAP_CHROMIUM to its binary)";
    }
}
