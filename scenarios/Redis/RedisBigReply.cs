using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Seed 003, cause 4: one huge reply overflows the normal clients' output-buffer limit.</summary>
internal static class RedisBigReply
{
    private const int Fields = 5000;
    private const int ValueBytes = 1000;
    private const int Page = 100;
    private const string DistinctFields = "hscan-distinct-fields";

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisBigReply,
        "redis",
        "A 5 MB HGETALL against a 1 MB output-buffer limit: the client gets nothing but EOF",
        Seeds.Redis,
        new Story(
            Wire: "With `client-output-buffer-limit normal 1mb 0 0`, HGETALL of a 5 MB hash builds its whole reply in the client's output buffer before sending a byte; past 1 MB Redis logs 'Client … cmd=hgetall … scheduled to be closed ASAP for overcoming of output buffer limits.' and closes the connection with a FIN. The client reads 0 bytes, then EOF — how fast it reads makes no difference.",
            Why: "Normal clients have no output-buffer limit by default, but operators set one to protect Redis's memory; then any unbounded reply (HGETALL, SMEMBERS, KEYS, LRANGE 0 -1 on a big key) becomes a disconnect. Under memory pressure the same happens sooner.",
            Diagnose: "The Redis log line names the command (cmd=hgetall) and the buffer (omem=); CONFIG GET client-output-buffer-limit; MEMORY USAGE of the key. The client sees a reset or EOF right after sending a read command on a big key.",
            Fix: "Read big keys in pages with a cursor — HSCAN/SSCAN/SCAN … COUNT 100 — so each reply stays small; or keep keys small."),
        Broken: new ScenarioVariant(
            "HGETALL of a 5000 × 1000 B hash: Redis logs the output-buffer limit with cmd=hgetall and closes the connection; the client reads nothing, then EOF",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, paged: false, ct),
            [
                Expect.Event("Redis logs the output-buffer limit for cmd=hgetall", e => e.Kind == EventKind.RedisOutputBufferLimit && e.Redis?.Field("cmd") == "hgetall"),
                Expect.Event("the client's read returns EOF, with no reply", e => e.Actor == "probe" && e.Kind == EventKind.EndOfStream),
                Expect.No("the client receives no reply at all", e => e.Actor == "probe" && e.Kind == EventKind.Received),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            $"HSCAN … COUNT {Page} in pages: every one of the {Fields} fields is read, no limit is hit",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, paged: true, ct),
            [
                Expect.Event($"all {Fields} fields are read", e => e.Kind == EventKind.Measured && e.Actor == "probe" && e.Measurement is { Name: DistinctFields, Value: Fields }),
                Expect.No("Redis hits no output-buffer limit", On.Kind(EventKind.RedisOutputBufferLimit)),
                Expect.No("the connection never ends early", e => e.Actor == "probe" && e.Kind is EventKind.EndOfStream or EventKind.ReceiveFailed),
            ]))
    {
        Produces = [Signature.Logs("for overcoming of output buffer limits"), Signature.Logs("cmd=hgetall"), Signature.Fails(Side.Client, SocketFailure.EndOfStream)],
    };

    private static async Task RunAsync(LabSandbox lab, bool paged, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { OutputBufferLimitNormal = "1mb 0 0" }, ct);
        // Setup, not the story: the hash is built inside Redis by a Lua script (5000 HSET in a few ms), instead of
        // sending 5 MB of HSET over the wire first.
        var built = await redis.CommandAsync(
            "EVAL",
            "local v = string.rep('v', tonumber(ARGV[2])) for i = 0, tonumber(ARGV[1]) - 1 do redis.call('HSET', KEYS[1], 'f' .. i, v) end return redis.call('HLEN', KEYS[1])",
            "1",
            "big",
            $"{Fields}",
            $"{ValueBytes}");
        lab.Timeline.Note(Side.Lab, $"hash 'big': {Resp.Render(built)} fields of {ValueBytes} bytes (a ~5 MB reply)");

        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe", cancellationToken: ct))!;
        if (!paged)
        {
            await probe.SendAsync("HGETALL", "big");
            await probe.ReadReplyAsync(TimeSpan.FromSeconds(5));
            await lab.Timeline.WaitForAsync(EventKind.RedisOutputBufferLimit, TimeSpan.FromSeconds(5), Side.Redis, cancellationToken: ct);
            return;
        }
        var cursor = "0";
        var fields = new HashSet<string>();
        var pages = 0;
        do
        {
            await probe.SendAsync("HSCAN", "big", cursor, "COUNT", $"{Page}");
            if ((await probe.ReadReplyAsync(TimeSpan.FromSeconds(5))).Value is not object?[] { Length: 2 } reply || reply[1] is not object?[] items) break;
            cursor = (string)reply[0]!;
            for (var i = 0; i < items.Length; i += 2) fields.Add((string)items[i]!);
            pages++;
        }
        while (cursor != "0" && pages < 10 * Fields / Page);
        lab.Timeline.Record(new LabEvent(Side.Client, EventKind.Measured, $"HSCAN read {fields.Count} distinct fields in {pages} pages") { Actor = "probe", Measurement = new(DistinctFields, fields.Count, "fields") });
    }
}
