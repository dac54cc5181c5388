using BrokenPipe.Lab.Reports;
using Microsoft.Playwright;

namespace BrokenPipe.Scenarios.Tests.Reports;

/// <summary>
/// The HTML report of real runs, in a real browser (Debian's chromium through Playwright): it loads without console
/// errors, every actor has its lane, and every FIN and RST arrow starts on the lane of the side that sent it and
/// points at its peer's lane.
/// </summary>
public sealed class HtmlReportBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    public static TheoryData<string, Variant> Runs()
    {
        var data = new TheoryData<string, Variant>();
        foreach (var (id, variant) in BrowserFixture.Runs) data.Add(id, variant);
        return data;
    }

    [ChromiumFact]
    public async Task Report_Loads_WithoutConsoleErrors()
    {
        var page = await browser.Browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") errors.Add($"{m.Type}: {m.Text}"); };
        page.PageError += (_, e) => errors.Add($"page error: {e}");
        page.RequestFailed += (_, r) => errors.Add($"request failed: {r.Url}");

        await page.GotoAsync(new Uri(browser.ReportPath).AbsoluteUri);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "browser test" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("svg.sequence")).ToHaveCountAsync(BrowserFixture.Runs.Length);
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    [ChromiumTheory]
    [MemberData(nameof(Runs))]
    public async Task Diagram_EveryActor_HasItsLane(string id, Variant variant)
    {
        var page = await OpenAsync();
        var run = RunLocator(page, id, variant);
        var lanes = SequenceDiagram.Lanes(browser.Results[(id, variant)].Events);

        Assert.NotEmpty(lanes);
        await Assertions.Expect(run.Locator("g.lane")).ToHaveCountAsync(lanes.Count);
        foreach (var (side, name) in lanes)
        {
            var lane = run.Locator($"g.lane[data-lane=\"{name}\"][data-side=\"{TimelineFormat.SideName(side)}\"]");
            await Assertions.Expect(lane).ToBeVisibleAsync();
        }
        await page.CloseAsync();
    }

    [ChromiumTheory]
    [MemberData(nameof(Runs))]
    public async Task Diagram_EveryFinAndRst_IsAnArrowFromItsSenderToItsPeer(string id, Variant variant)
    {
        var page = await OpenAsync();
        var run = RunLocator(page, id, variant);
        var result = browser.Results[(id, variant)];
        var closes = SequenceDiagram.Marks(result.Events, result.FirstDisconnect).Where(m => m.Kind is "fin" or "rst").ToList();
        Assert.NotEmpty(closes);

        var arrows = run.Locator("g.mark.fin, g.mark.rst");
        await Assertions.Expect(arrows).ToHaveCountAsync(closes.Count);
        for (var i = 0; i < closes.Count; i++)
        {
            var arrow = arrows.Nth(i);
            Assert.Equal(closes[i].Lane, await arrow.GetAttributeAsync("data-lane"));
            var to = await arrow.GetAttributeAsync("data-to");
            Assert.Equal(closes[i].To, to);
            Assert.NotEqual(closes[i].Lane, to);
            // Where it belongs on screen: the line starts on its sender's lifeline and ends near its peer's.
            var from = await LifelineXAsync(run, closes[i].Lane);
            var target = await LifelineXAsync(run, to!);
            var box = (await arrow.Locator("line.arrow").BoundingBoxAsync())!;
            var (start, end) = target > from ? (box.X, box.X + box.Width) : (box.X + box.Width, box.X);
            Assert.InRange(start, from - 3, from + 3);
            Assert.InRange(end, target - 12, target + 12);
        }
        await page.CloseAsync();
    }

    [ChromiumFact]
    public async Task Diagram_Over8KbWrite_ClientFinGoesToItsOwnServer_AndTheFirstDisconnectIsHighlighted()
    {
        var page = await OpenAsync();
        var run = RunLocator(page, ScenarioIds.Over8KbWrite, Variant.Broken);

        var fin = run.Locator("g.mark.fin[data-lane=\"client[raw[c4096,n4097]]\"]");
        await Assertions.Expect(fin).ToHaveAttributeAsync("data-to", "raw[c4096,n4097]");
        await Assertions.Expect(run.Locator("g.mark.failure[data-lane=\"raw[c4096,n4097]\"]", new() { HasText = "EPIPE 32" })).ToHaveCountAsync(1);
        await Assertions.Expect(run.Locator("g.first-disconnect")).ToHaveCountAsync(1);
        await Assertions.Expect(run.Locator("g.first-disconnect title")).ToContainTextAsync("client");
        await page.CloseAsync();
    }

    [ChromiumFact]
    public async Task Diagram_IngressTimeout_NginxFinsTheUpstream_AndTheIdleStretchIsCompressed()
    {
        var page = await OpenAsync();
        var run = RunLocator(page, ScenarioIds.IngressTimeout, Variant.Broken);

        // nginx's FIN to the raw upstream: from nginx's own log line, or (when the upstream saw it first) from that observation.
        await Assertions.Expect(run.Locator("g.mark.fin[data-lane=\"nginx[raw]\"][data-to=\"upstream[raw]\"]")).ToHaveCountAsync(1);
        await Assertions.Expect(run.Locator("g.first-disconnect.fin[data-lane^=\"nginx\"]")).ToHaveCountAsync(1);
        await Assertions.Expect(run.Locator("g.mark.failure[data-lane=\"upstream[raw]\"]", new() { HasText = "EPIPE 32" })).ToHaveCountAsync(1);
        await Assertions.Expect(run.Locator("g.idle", new() { HasText = "with nothing on the wire" }).First).ToBeVisibleAsync();

        // The picture in the README (docs/images/sequence-diagram.png is a copy of this file).
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", "ingress-timeout-broken.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.SetViewportSizeAsync(1400, 1000);
        await run.Locator("svg.sequence").ScreenshotAsync(new() { Path = path });
        Assert.True(new FileInfo(path).Length > 10_000);
        await page.CloseAsync();
    }

    [ChromiumFact]
    public async Task Diagram_RedisScenarios_RedisFinsItsClient()
    {
        var page = await OpenAsync();
        foreach (var id in new[] { ScenarioIds.RedisPubsubSlowSubscriber, ScenarioIds.RedisIdleTimeout, ScenarioIds.RedisCrashRestart, ScenarioIds.RedisBigReply })
        {
            var run = RunLocator(page, id, Variant.Broken);
            var fin = run.Locator("g.mark.fin[data-lane=\"redis\"]").First;
            await Assertions.Expect(fin).ToBeVisibleAsync();
            var to = await fin.GetAttributeAsync("data-to");
            await Assertions.Expect(run.Locator($"g.lane[data-lane=\"{to}\"][data-side=\"client\"]")).ToHaveCountAsync(1);
        }
        await page.CloseAsync();
    }

    private async Task<IPage> OpenAsync()
    {
        var page = await browser.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 1200 } });
        await page.GotoAsync(new Uri(browser.ReportPath).AbsoluteUri);
        return page;
    }

    private static ILocator RunLocator(IPage page, string id, Variant variant) => page.Locator($"#run-{id}-{JsonReport.VariantName(variant)}");

    private static async Task<float> LifelineXAsync(ILocator run, string lane)
    {
        var box = await run.Locator($"g.lane[data-lane=\"{lane}\"] line.lifeline").BoundingBoxAsync();
        return box!.X + box.Width / 2;
    }
}
