using System.Diagnostics;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>One short-lived program run to completion (ip, nft, apt-get): its exit code and everything it printed.</summary>
internal static class Command
{
    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="args"/>, feeding <paramref name="input"/> to its stdin.
    /// Canceled or past <paramref name="timeout"/> (1 minute by default), it is killed by its PID and the call throws.
    /// </summary>
    public static async Task<(int Code, string Output)> RunAsync(
        string program,
        IEnumerable<string> args,
        string? input = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start");
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout ?? TimeSpan.FromMinutes(1));
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(bound.Token);
            var stderr = process.StandardError.ReadToEndAsync(bound.Token);
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), bound.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            await process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
            return (process.ExitCode, (await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false)).Trim());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} did not finish within {(timeout ?? TimeSpan.FromMinutes(1)).TotalSeconds:0} s");
        }
    }

    /// <summary>Like <see cref="RunAsync"/>, but a non-zero exit code throws with the program's output.</summary>
    public static async Task<string> RunCheckedAsync(string program, IEnumerable<string> args, string? input = null, CancellationToken cancellationToken = default)
    {
        var list = args.ToList();
        var (code, output) = await RunAsync(program, list, input, cancellationToken: cancellationToken).ConfigureAwait(false);
        return code == 0 ? output : throw new InvalidOperationException($"`{program} {string.Join(' ', list)}` failed (exit {code}): {output}");
    }
}
