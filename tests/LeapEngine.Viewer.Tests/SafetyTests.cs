using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static LeapEngine.Viewer.Tests.ViewerFixture;

namespace LeapEngine.Viewer.Tests;

/// <summary>
/// What the viewer must never do in a browser: run text a user supplied, show one tenant's result to another, accept a
/// bad request without saying what to fix.
/// </summary>
[Collection(ViewerCollection.Name)]
public sealed class SafetyTests(ViewerFixture viewer)
{
    private const string ScriptPrompt = "<script>window.__xss = 'script'</script> Once upon a time";
    private const string ImagePrompt = "<img src=x onerror=\"window.__xss='img'\"> & a <b>bold</b> cat";

    [ChromiumFact]
    [Trait("Category", "Slow")]   // 13 s on the quiet CI machine
    public async Task Markup_in_a_prompt_shows_literally_and_another_tenants_permalink_is_the_404_page()
    {
        // The "streams" plan of the test host allows 256-token prompts; markup is many tokens on stories260K.
        var owner = await viewer.NewTenantAsync("streams");
        var job = await RunJobAsync(owner, "/v1/attributions", new
        {
            system = ImagePrompt, text = ScriptPrompt, method = "hipe", max_new_tokens = 4,
            hipe = new { initial_chunk_size = 4, max_splits_per_stage = (int?)null },
        });
        var id = job["id"]!.GetValue<string>();
        var page = await viewer.SignedInPageAsync(owner, $"/app/jobs/{id}");
        bool dialog = false;
        page.Dialog += (_, d) => { dialog = true; _ = d.DismissAsync(); };
        await Assertions.Expect(page.Locator(".heatmap .unit").First).ToBeVisibleAsync();

        // Each segment's text is exactly the prompt as typed, markup characters included; nothing of it became an element.
        await Assertions.Expect(page.Locator("[data-segment=user] .heat-text")).ToHaveTextAsync(ScriptPrompt);
        await Assertions.Expect(page.Locator("[data-segment=system] .heat-text")).ToHaveTextAsync(ImagePrompt);
        Assert.Equal(0, await page.Locator("main img, main script, main b").CountAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__xss ?? null"));
        Assert.False(dialog);
        // HiPe's stages, as a drill-down with one disclosure per stage the API reports.
        var stages = job["result"]!["hipe_chunks"]!.AsArray().Select(c => c!["stage"]!.GetValue<int>()).Distinct().Count();
        Assert.True(stages >= 1);
        await Assertions.Expect(page.Locator("details[data-stage]")).ToHaveCountAsync(stages);
        await page.Locator("details[data-stage] summary").First.ClickAsync();
        await Assertions.Expect(page.Locator("details[data-stage] table").First).ToBeVisibleAsync();
        await ScreenshotAsync(page, "attribution-hipe-markup");
        // The exported page escapes it too: no element of the prompt survives into the file.
        var html = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-html"));
        var document = await File.ReadAllTextAsync((await html.PathAsync())!);
        Assert.DoesNotContain("<script", document, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", document, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", document);
        AssertNoScriptErrors(page);

        // Another tenant, signed in, opens the permalink: the plain 404 page, as for a job that does not exist.
        var other = await viewer.NewTenantAsync();
        var stranger = await viewer.SignedInPageAsync(other, $"/app/jobs/{id}");
        await Assertions.Expect(stranger.Locator("h1")).ToHaveTextAsync("404 — Not found");
        await Assertions.Expect(stranger).ToHaveTitleAsync(new Regex("^Not found"));
        Assert.Equal(0, await stranger.Locator(".heatmap, .unit").CountAsync());
        Assert.DoesNotContain("Once upon", await stranger.Locator("main").InnerTextAsync());
        await ScreenshotAsync(stranger, "not-found");
        await AssertAccessibleAsync(stranger, "404 page");
        var missing = $"job_{Guid.NewGuid():N}";
        await stranger.GotoAsync($"/app/jobs/{missing}");
        await Assertions.Expect(stranger.Locator("h1")).ToHaveTextAsync("404 — Not found");
        await Assertions.Expect(stranger.Locator("main")).ToContainTextAsync(missing);
        await stranger.GotoAsync("/app/no-such-page");
        await Assertions.Expect(stranger.Locator("h1")).ToHaveTextAsync("404 — Not found");

        // Signed out, the permalink asks for a key, and signing in as the owner comes back to it.
        var anonymous = await viewer.NewPageAsync();
        await SignInAsync(anonymous, owner.Key, $"/app/jobs/{id}");
        await Assertions.Expect(anonymous).ToHaveURLAsync(new Regex($"/app/jobs/{id}$"));
        await Assertions.Expect(anonymous.Locator(".heatmap .unit").First).ToBeVisibleAsync();
        foreach (var p in new[] { page, stranger, anonymous }) await p.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_rejected_submission_shows_the_APIs_message_at_the_field_and_a_wrong_key_is_refused()
    {
        var tenant = await viewer.NewTenantAsync();
        var page = await viewer.NewPageAsync();
        await page.GotoAsync("/app/sign-in");
        await page.FillAsync("#api-key", "leap_notakey0_" + new string('x', 43));
        await page.ClickAsync("form button[type=submit]");
        await Assertions.Expect(page.Locator("#sign-in-error")).ToHaveTextAsync("the API key is not valid");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/app/sign-in"));

        await SignInAsync(page, tenant.Key, "/app/jobs/new?type=attribution");
        await page.FillAsync("#submit-form-text", "Once upon a time");
        await page.FillAsync("#submit-form-max_new_tokens", "999");
        await page.ClickAsync("#submit-form button[type=submit]");
        var input = page.Locator("#submit-form-max_new_tokens");
        await Assertions.Expect(input).ToHaveAttributeAsync("aria-invalid", "true");
        // The message is the API's own problem detail for this field, shown beside the input and in the summary.
        var problem = await tenant.Http.PostAsync("/v1/attributions", new StringContent(
            "{\"text\":\"Once upon a time\",\"max_new_tokens\":999}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, problem.StatusCode);
        var detail = System.Text.Json.Nodes.JsonNode.Parse(await problem.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();
        await Assertions.Expect(page.Locator("#submit-form-max_new_tokens-error")).ToHaveTextAsync(detail);
        await Assertions.Expect(page.Locator("[data-form-error]")).ToContainTextAsync(detail);
        await ScreenshotAsync(page, "validation");
        await AssertAccessibleAsync(page, "form with a validation error");
        // Nothing was queued.
        var jobs = System.Text.Json.Nodes.JsonNode.Parse(await tenant.Http.GetStringAsync("/v1/jobs"))!["data"]!.AsArray();
        Assert.Empty(jobs);
        AssertNoScriptErrors(page);
        await page.Context.CloseAsync();
    }
}
