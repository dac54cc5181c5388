using BrokenPipe.Lab.Reports;
using BrokenPipe.Lab.Runtimes;
using Microsoft.Playwright;

namespace BrokenPipe.Scenarios.Tests.Reports;

/// <summary>
/// One headless Debian chromium for a test class (Playwright pointed at /usr/bin/chromium: the browser download site is
/// not reachable; installed with apt-get on first use when root, like nginx), and one HTML report of real runs of the
/// seed scenarios, written once and loaded by every test.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The runs the report holds: the seeds' scenarios (both over-8kb-write variants, the broken ones of the rest).</summary>
    public static readonly (string Id, Variant Variant)[] Runs =
    [
        (ScenarioIds.Over8KbWrite, Variant.Broken),
        (ScenarioIds.Over8KbWrite, Variant.Fixed),
        (ScenarioIds.FinVsRst, Variant.Broken),
        (ScenarioIds.IngressTimeout, Variant.Broken),
        (ScenarioIds.RedisPubsubSlowSubscriber, Variant.Broken),
        (ScenarioIds.RedisIdleTimeout, Variant.Broken),
        (ScenarioIds.RedisCrashRestart, Variant.Broken),
        (ScenarioIds.RedisBigReply, Variant.Broken),
    ];

    private IPlaywright? _playwright;

    /// <summary>The browser every test of the class opens its pages in.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The report file (in a temp dir removed at the end).</summary>
    public string ReportPath { get; private set; } = "";

    /// <summary>The runs behind the report, by id and variant.</summary>
    public IReadOnlyDictionary<(string, Variant), ScenarioResult> Results { get; private set; } = new Dictionary<(string, Variant), ScenarioResult>();

    private string _dir = "";

    /// <summary>Runs the scenarios, writes the report, and launches chromium (installed with apt-get first when missing and root).</summary>
    public async Task InitializeAsync()
    {
        if (ChromiumFactAttribute.Unavailable is not null) return; // every test of the class is skipped with the reason
        var chromium = await BinaryLocator.LocateAsync(ServerProgram.Chromium);
        // The runs go side by side: each has its own lab, ports and parts.
        var results = await Task.WhenAll(Runs.Select(r => ScenarioRunner.RunAsync(Catalog.Find(r.Id)!, r.Variant)));
        Results = results.ToDictionary(r => (r.Id, r.Variant));
        _dir = Directory.CreateTempSubdirectory("brokenpipe-html-").FullName;
        ReportPath = Path.Combine(_dir, "report.html");
        await File.WriteAllTextAsync(ReportPath, HtmlReport.Write("browser test", [.. results.Select(r => new ReportRun(Catalog.Find(r.Id)!, r))]));

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Root (CI) cannot use chromium's sandbox.
            Args = Environment.IsPrivilegedProcess ? ["--no-sandbox"] : [],
        });
    }

    /// <summary>Closes the browser and removes the report's temp dir.</summary>
    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }
}
