using System.Globalization;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using Microsoft.Playwright;
using static LeapEngine.Viewer.Tests.ViewerFixture;

namespace LeapEngine.Viewer.Tests;

/// <summary>
/// The attribution flow in a real browser against a live server: sign in, submit from the page, watch the job finish
/// over its event stream, read the heatmap (and one output token's row), sort and filter the matrix, export.
/// Every figure on the page is compared with the API's own result for the same job.
/// </summary>
[Collection(ViewerCollection.Name)]
public sealed class AttributionViewTests(ViewerFixture viewer)
{
    private static double[] Values(IEnumerable<string> texts) => texts.Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();

    private static async Task<int[]> MatrixRowsAsync(IPage page) =>
        (await page.Locator("#unit-matrix tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.unit)")).Select(int.Parse).ToArray();

    [ChromiumFact]
    public async Task Submitted_from_the_page_it_finishes_live_and_every_figure_matches_the_API()
    {
        var tenant = await viewer.NewTenantAsync();
        var page = await viewer.NewPageAsync();
        await page.GotoAsync("/app/jobs");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/app/sign-in"));
        await ScreenshotAsync(page, "sign-in");
        await AssertAccessibleAsync(page, "sign-in");
        await page.FillAsync("#api-key", tenant.Key);
        await page.ClickAsync("form button[type=submit]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Jobs");

        await page.ClickAsync("nav >> text=New job");
        await Assertions.Expect(page.Locator("#submit-form")).ToBeVisibleAsync();
        await page.FillAsync("#submit-form-text", "Once upon a time there was a little girl");
        await page.FillAsync("#submit-form-system", "You tell short stories.");
        await page.FillAsync("#submit-form-max_new_tokens", "6");
        await ScreenshotAsync(page, "new-attribution");
        // (the form is scanned with a validation error showing, in SafetyTests)
        await page.ClickAsync("#submit-form button[type=submit]");

        // The job page opens at once and follows the job over server-sent events: no reload, the status turns final.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/app/jobs/job_[0-9a-f]+$"));
        var jobId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await page.EvaluateAsync("() => { window.__samePage = true; }");
        Debug("submitted");
        await Assertions.Expect(page.Locator("[data-job-status=succeeded]")).ToBeVisibleAsync(new() { Timeout = 90_000 });
        Debug("finished");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__samePage === true"), "the page reloaded instead of following the stream");
        await Assertions.Expect(page.Locator(".unit").First).ToBeVisibleAsync();

        var job = await FinishedJobAsync(tenant, jobId);
        var result = job["result"]!.AsObject();
        var units = result["units"]!.AsArray().Select(u => u!.AsObject()).ToList();
        var totals = units.Select(u => u["score"]!.GetValue<double>()).ToArray();
        Assert.Equal(6, result["completion_tokens"]!.AsArray().Count);

        // Heatmap: one span per unit, carrying the unit's total, its text the unit's own characters.
        var spans = page.Locator(".heatmap .unit");
        Assert.Equal(units.Count, await spans.CountAsync());
        Assert.Equal(totals, Values(await spans.EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.value)")));
        Assert.Equal(units.Select(u => u["text"]!.GetValue<string>()), await spans.AllTextContentsAsync());
        await ScreenshotAsync(page, "attribution");

        // Clicking an output token shows that token's row of the matrix.
        int column = 1;
        var row = units.Select(u => u["output_token_scores"]!.AsArray()[column]!.GetValue<double>()).ToArray();
        Assert.NotEqual(totals, row);
        await page.ClickAsync($"button[data-output-token='{column}']");
        await Assertions.Expect(page.Locator($"button[data-output-token='{column}']")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Equal(row, Values(await spans.EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.value)")));
        await spans.First.FocusAsync();
        await Assertions.Expect(page.Locator("#tooltip")).ToContainTextAsync(row[0].ToString("R", CultureInfo.InvariantCulture));
        await page.ClickAsync("button[data-output-token='total']");
        Assert.Equal(totals, Values(await spans.EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.value)")));

        // Matrix: prompt order, then by total, then by a column (its header), then a threshold and a top-k.
        var indices = units.Select(u => u["index"]!.GetValue<int>()).ToArray();
        Assert.Equal(indices, await MatrixRowsAsync(page));
        await page.SelectOptionAsync("#matrix-sort", "total");
        Assert.Equal(units.OrderByDescending(u => u["score"]!.GetValue<double>()).Select(u => u["index"]!.GetValue<int>()), await MatrixRowsAsync(page));
        await page.ClickAsync($"#unit-matrix button[data-sort='col:{column}']");
        var byColumn = units.OrderByDescending(u => u["output_token_scores"]!.AsArray()[column]!.GetValue<double>()).ToList();
        Assert.Equal(byColumn.Select(u => u["index"]!.GetValue<int>()), await MatrixRowsAsync(page));
        var cells = units.SelectMany(u => u["output_token_scores"]!.AsArray().Select(v => v!.GetValue<double>()).Prepend(u["score"]!.GetValue<double>())).ToList();
        var threshold = cells.Select(Math.Abs).Order().ElementAt(cells.Count / 2);
        await page.FillAsync("#matrix-threshold", threshold.ToString("R", CultureInfo.InvariantCulture));
        Assert.Equal(cells.Count(v => Math.Abs(v) < threshold), await page.Locator("#unit-matrix td.below").CountAsync());
        await page.FillAsync("#matrix-topk", "3");
        var top3 = byColumn.OrderByDescending(u => Math.Abs(u["output_token_scores"]!.AsArray()[column]!.GetValue<double>())).Take(3).ToHashSet();
        Assert.Equal(byColumn.Where(top3.Contains).Select(u => u["index"]!.GetValue<int>()), await MatrixRowsAsync(page));

        // Segment totals and the system prompt's influence, as the API computed them.
        var segments = page.Locator("#segment-totals tbody tr");
        Assert.Equal(result["segments"]!.AsArray().Count, await segments.CountAsync());
        await Assertions.Expect(page.Locator("#sec-segments-and-system-prompt")).ToBeVisibleAsync();
        var share = result["system_prompt"]!["attribution_share"]!.GetValue<double>();
        await Assertions.Expect(page.Locator("dl[aria-label='System prompt influence']")).ToContainTextAsync($"{share * 100:F1}%");
        // Faithfulness was asked for by the form's default: both curves drawn, one point per step.
        var faithfulness = result["faithfulness"]!.AsObject();
        Assert.Equal(faithfulness["deletion"]!.AsArray().Count, await page.Locator("svg.plot g.deletion circle").CountAsync());
        Assert.Equal(faithfulness["insertion"]!.AsArray().Count, await page.Locator("svg.plot g.insertion circle").CountAsync());
        await AssertAccessibleAsync(page, "attribution view");

        // Exports: the JSON is the API's result exactly; the CSV has a row per unit; the HTML page stands alone.
        var json = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-json"));
        var exported = JsonNode.Parse(await File.ReadAllTextAsync((await json.PathAsync())!));
        Assert.True(JsonNode.DeepEquals(result, exported), "the exported JSON differs from the API's result");
        var csv = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        var lines = (await File.ReadAllTextAsync((await csv.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(units.Count + 1, lines.Length);
        Assert.StartsWith("index,segment,text,start,length,score,probability_drop,token_1:", lines[0]);
        var html = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-html"));
        var document = await File.ReadAllTextAsync((await html.PathAsync())!);
        Assert.DoesNotContain("<script", document, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", document, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(units.Count, System.Text.RegularExpressions.Regex.Matches(document, "<span class=\"u\"").Count);

        // The permalink is this page's address; opened afresh (same session) it shows the same job.
        var permalink = await page.InputValueAsync("#permalink");
        Assert.EndsWith($"/app/jobs/{jobId}", permalink);
        await page.GotoAsync(permalink);
        await Assertions.Expect(page.Locator(".heatmap .unit")).ToHaveCountAsync(units.Count);

        // The jobs list shows it, finished, and filters by status and type.
        await page.GotoAsync("/app/jobs?status=succeeded&type=attribution");
        await Assertions.Expect(page.Locator($"tr[data-job='{jobId}'] [data-status=succeeded]")).ToBeVisibleAsync();
        await page.GotoAsync("/app/jobs?status=failed");
        await Assertions.Expect(page.Locator("tr[data-job]")).ToHaveCountAsync(0);
        AssertNoScriptErrors(page);
        await page.Context.CloseAsync();
    }
}
