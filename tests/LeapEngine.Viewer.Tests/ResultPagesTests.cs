using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static LeapEngine.Viewer.Tests.ViewerFixture;

namespace LeapEngine.Viewer.Tests;

/// <summary>The other result pages in a browser, each compared with the API's answer: check, optimisation, usage, dictionary explorer.</summary>
[Collection(ViewerCollection.Name)]
public sealed class ResultPagesTests(ViewerFixture viewer)
{
    private static string N0(long value) => value.ToString("F0", CultureInfo.InvariantCulture);

    [ChromiumFact]
    public async Task Check_optimisation_and_usage_pages_show_the_APIs_figures()
    {
        var tenant = await viewer.NewTenantAsync();
        var check = await RunJobAsync(tenant, "/v1/checks/system-prompt-influence", new
        {
            max_new_tokens = 4,
            cases = new object[]
            {
                new { name = "loose", system = "You are a kind storyteller.", user = "Once upon a time", log_prob_drop = new { max = 50.0 } },
                new { name = "impossible", system = "You are a kind storyteller.", user = "Once upon a time", attribution_share = new { min = 0.99 } },
            },
        });
        var optimisation = await RunJobAsync(tenant, "/v1/optimisations", new { target = " ball", method = "descent", length = 2, steps = 8, candidates = 2, seed = 0 });

        var page = await viewer.SignedInPageAsync(tenant, $"/app/jobs/{check["id"]}");
        var cases = check["result"]!["cases"]!.AsArray();
        await Assertions.Expect(page.Locator("#check-cases tbody tr")).ToHaveCountAsync(cases.Count);
        for (int i = 0; i < cases.Count; i++)
            await Assertions.Expect(page.Locator("#check-cases tbody tr").Nth(i)).ToHaveAttributeAsync("data-passed", cases[i]!["passed"]!.GetValue<bool>() ? "true" : "false");
        await Assertions.Expect(page.Locator("[data-check-passed]")).ToHaveAttributeAsync("data-check-passed", "false");
        await ScreenshotAsync(page, "check");

        await page.GotoAsync($"/app/jobs/{optimisation["id"]}");
        var result = optimisation["result"]!;
        var losses = result["best_target_nll_per_step"]!.AsArray().Count;
        Assert.True(losses > 0);
        await Assertions.Expect(page.Locator("svg.plot g.series circle")).ToHaveCountAsync(losses);
        var successes = result["successes"]!.AsArray().Count;
        if (successes > 0) await Assertions.Expect(page.Locator("#verified-prompts tbody tr")).ToHaveCountAsync(successes);
        else await Assertions.Expect(page.Locator("main")).ToContainTextAsync("No prompt was verified.");
        await ScreenshotAsync(page, "optimisation");
        // (axe scans pages of every kind of component once; the check and optimisation pages reuse the attribution
        // view's tables, facts and plot, each scan costs seconds on a shared CI machine)

        await page.ClickAsync("nav >> text=Usage");
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        var jobsToday = usage["jobs_today"]!.GetValue<long>();
        var perDay = usage["limits"]!["jobs_per_day"]!.GetValue<long>();
        await Assertions.Expect(page.Locator("[data-usage='Jobs today']")).ToContainTextAsync($"{N0(jobsToday)} of {N0(perDay)} jobs");
        Assert.Equal(jobsToday.ToString(CultureInfo.InvariantCulture), await page.Locator("[data-usage='Jobs today'] meter").GetAttributeAsync("value"));
        await ScreenshotAsync(page, "usage");
        await AssertAccessibleAsync(page, "usage");

        await page.ClickAsync("nav >> text=Jobs");
        await Assertions.Expect(page.Locator("tr[data-job]")).ToHaveCountAsync(2);
        await ScreenshotAsync(page, "jobs");
        await AssertAccessibleAsync(page, "jobs list");
        AssertNoScriptErrors(page);
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task Dictionary_explorer_lists_regions_by_size_searches_assigns_and_steers()
    {
        var tenant = await viewer.NewTenantAsync();
        var build = await RunJobAsync(tenant, "/v1/dictionaries", new
        {
            name = "stories", context_length = 32, percentile = 20,
            texts = new[] { "Tom saw a big dog.", "Lily liked to play in the park.", "The sun was hot and the sky was blue.",
                "Ben had a red ball. He threw it to his dog.", "Once upon a time, there was a little girl named Lily." },
        });
        var id = build["result"]!["dictionary_id"]!.GetValue<string>();
        var regions = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/dictionaries/{id}/regions?limit=100"))!["data"]!.AsArray()
            .Select(r => r!.AsObject()).ToList();

        var page = await viewer.SignedInPageAsync(tenant, $"/app/dictionaries/{id}");
        var cards = page.Locator("#regions > li");
        await Assertions.Expect(cards).ToHaveCountAsync(Math.Min(50, regions.Count));
        var expected = regions.OrderByDescending(r => r["count"]!.GetValue<long>()).ThenBy(r => r["id"]!.GetValue<int>())
            .Take(50).Select(r => r["id"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture));
        Assert.Equal(expected, await cards.EvaluateAllAsync<string[]>("li => li.map(e => e.dataset.region)"));
        // Examples mark their token.
        Assert.True(await page.Locator("#regions mark").CountAsync() > 0);
        await ScreenshotAsync(page, "dictionary");
        await AssertAccessibleAsync(page, "dictionary explorer");

        // Search by token: only regions with an example of that token remain (the first token of the largest regions).
        static IEnumerable<string> Tokens(JsonObject region)
        {
            var examples = region["examples"]!;
            if (examples["exemplar"] is JsonObject exemplar) yield return exemplar["token"]!.GetValue<string>();
            foreach (var list in new[] { "closest", "farthest" })
                foreach (var e in examples[list]!.AsArray()) yield return e!["token"]!.GetValue<string>();
        }
        static string Readable(string token) => token.Replace('\u2581', ' ');
        var query = regions.OrderByDescending(r => r["count"]!.GetValue<long>()).SelectMany(Tokens)
            .Select(t => Readable(t).Trim()).First(t => t.Length > 0);
        var hits = regions.Count(r => Tokens(r).Any(t => Readable(t).Contains(query, StringComparison.OrdinalIgnoreCase)));
        await page.FillAsync("#region-search", query);
        await Assertions.Expect(cards).ToHaveCountAsync(Math.Min(50, hits));
        await page.FillAsync("#region-search", "no token is this");
        await Assertions.Expect(cards).ToHaveCountAsync(0);

        // Assign my text: every token marked with the region the API assigned it.
        await page.FillAsync("#assign-form-text", "Tom saw a red ball.");
        await page.ClickAsync("#assign-form button[type=submit]");
        await Assertions.Expect(page.Locator("#assign-result .assigned-token").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var assignJob = (await page.Locator("#assign-result a").GetAttributeAsync("href"))!.Split('/').Last();
        var assigned = (await FinishedJobAsync(tenant, assignJob))["result"]!["texts"]![0]!["tokens"]!.AsArray();
        Assert.Equal(assigned.Select(t => t!["region"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture)),
            await page.Locator("#assign-result .assigned-token").EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.region)"));

        // Steer: the continuation and the target's log-probability before and after, as the job reported them.
        await page.FillAsync("#steer-form-prompt", "Once upon a time");
        await page.FillAsync("#steer-form-region", regions[0]["id"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture));
        await page.FillAsync("#steer-form-alpha", "8");
        await page.FillAsync("#steer-form-target", " there was");
        await page.FillAsync("#steer-form-max_new_tokens", "8");
        await page.ClickAsync("#steer-form button[type=submit]");
        await Assertions.Expect(page.Locator("#intervention")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var steerJob = (await page.Locator("#intervention-result > p a").GetAttributeAsync("href"))!.Split('/').Last();
        var report = (await FinishedJobAsync(tenant, steerJob))["result"]!["report"]!;
        await Assertions.Expect(page.Locator("#intervention tbody tr").First).ToContainTextAsync(report["before"]!.GetValue<string>().Trim());
        await Assertions.Expect(page.Locator("#intervention tbody tr").Nth(1)).ToContainTextAsync(
            report["target_log_prob_after"]!.GetValue<double>().ToString("F4", CultureInfo.InvariantCulture).Replace('-', '−'));
        await ScreenshotAsync(page, "dictionary-steer");
        AssertNoScriptErrors(page);
        await page.Context.CloseAsync();
    }
}
