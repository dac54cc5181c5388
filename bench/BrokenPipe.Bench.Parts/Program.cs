using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Redis;

// Part figures the scenario benchmark does not give: redis-server's start-to-ready, the middlebox's forwarding cost
// (throughput through it against the same transfer direct, in the same run), and, as root, the packet-drop
// middlebox's start, removal and forwarding. Loopback and the lab's own namespaces only, bounded.
// "haproxy [STARTS]": HAProxy's start-to-ready only (bench/haproxy.sh).
var haproxyOnly = args.Length > 0 && args[0] == "haproxy";
if (haproxyOnly) args = args[1..];
var starts = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 20;
if (haproxyOnly)
{
    // Alternated with nginx's start in the same loop, so that both meet the same load on a shared machine.
    var haproxy = new List<double>();
    var nginx = new List<double>();
    for (var i = 0; i < starts; i++)
    {
        await using (var lab = new LabSandbox($"bench-haproxy-{i + 1}"))
        {
            var upstream = await BrokenPipe.Lab.Parts.RawTcp.RawTcpServer.StartAsync(lab);
            var proxy = await BrokenPipe.Lab.Parts.HAProxy.HAProxyProxy.StartAsync(lab, upstream.Endpoint);
            haproxy.Add(proxy.StartupTime.TotalMilliseconds);
        }
        await using (var lab = new LabSandbox($"bench-nginx-{i + 1}"))
        {
            var upstream = await BrokenPipe.Lab.Parts.RawTcp.RawTcpServer.StartAsync(lab);
            var proxy = await BrokenPipe.Lab.Parts.Nginx.NginxProxy.StartAsync(lab, upstream.Endpoint);
            nginx.Add(proxy.StartupTime.TotalMilliseconds);
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"haproxy start-to-ready ({starts} starts, fresh lab each): first {haproxy[0]:0.0} ms, median {Median(haproxy):0.0} ms, max {haproxy.Max():0.0} ms  {(Median(haproxy) <= 50 ? "ok" : "MISS (target 50 ms)")}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nginx start-to-ready, alternated with it: first {nginx[0]:0.0} ms, median {Median(nginx):0.0} ms, max {nginx.Max():0.0} ms"));
    return 0;
}
const long Transfer = 256L * 1024 * 1024;
const int Rounds = 5;

var redis = new List<double>();
for (var i = 0; i < starts; i++)
{
    await using var lab = new LabSandbox($"bench-redis-{i + 1}");
    var server = await RedisServer.StartAsync(lab);
    redis.Add(server.StartupTime.TotalMilliseconds);
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"redis-server start-to-ready ({starts} starts, fresh lab each): first {redis[0]:0.0} ms, median {Median(redis):0.0} ms  {(Median(redis) <= 20 ? "ok" : "MISS (target 20 ms)")}"));

var direct = new List<double>();
var through = new List<double>();
await using (var lab = new LabSandbox("bench-middlebox"))
{
    var sink = StartSink();
    var box = await TcpMiddlebox.StartAsync(lab, (IPEndPoint)sink.LocalEndPoint!);
    for (var r = 0; r < Rounds; r++)
    {
        direct.Add(await MegabytesPerSecondAsync((IPEndPoint)sink.LocalEndPoint!));
        through.Add(await MegabytesPerSecondAsync(box.Endpoint));
    }
    sink.Dispose();
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"middlebox forwarding, {Transfer / (1024 * 1024)} MB upstream x {Rounds} rounds each, same run: direct median {Median(direct):0} MB/s, through the middlebox median {Median(through):0} MB/s ({Median(through) / Median(direct) * 100:0}% of direct)"));

// The packet-drop middlebox (root only): how long building and removing its namespace, veth pair and rules takes,
// and its forwarding throughput (over the veth pair, then the forwarder) against the same transfer direct.
if (PacketDropMiddlebox.Unavailable is { } reason)
{
    Console.WriteLine($"packet-drop middlebox: not measured ({reason})");
    return 0;
}
var build = new List<double>();
var teardown = new List<double>();
for (var i = 0; i < starts; i++)
{
    var sink = StartSink();
    var lab = new LabSandbox($"bench-packet-drop-{i + 1}");
    var clock = Stopwatch.StartNew();
    await PacketDropMiddlebox.StartAsync(lab, (IPEndPoint)sink.LocalEndPoint!, TimeSpan.FromSeconds(2));
    build.Add(clock.Elapsed.TotalMilliseconds);
    clock.Restart();
    await lab.DisposeAsync();
    teardown.Add(clock.Elapsed.TotalMilliseconds);
    sink.Dispose();
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"packet-drop middlebox ({starts} starts, fresh lab each): start median {Median(build):0.0} ms (first {build[0]:0.0} ms), removal median {Median(teardown):0.0} ms"));
var directAgain = new List<double>();
var overVeth = new List<double>();
await using (var lab = new LabSandbox("bench-packet-drop"))
{
    var sink = StartSink();
    var box = await PacketDropMiddlebox.StartAsync(lab, (IPEndPoint)sink.LocalEndPoint!, TimeSpan.FromSeconds(2));
    for (var r = 0; r < Rounds; r++)
    {
        directAgain.Add(await MegabytesPerSecondAsync((IPEndPoint)sink.LocalEndPoint!));
        overVeth.Add(await MegabytesPerSecondAsync(box.Endpoint));
    }
    sink.Dispose();
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"packet-drop middlebox forwarding, same sizes: direct median {Median(directAgain):0} MB/s, through it median {Median(overVeth):0} MB/s ({Median(overVeth) / Median(directAgain) * 100:0}% of direct)"));
return 0;

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
}

// A sink on 127.0.0.1:0 that reads and discards, one task per connection.
static Socket StartSink()
{
    var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    listener.Listen(16);
    _ = Task.Run(async () =>
    {
        while (true)
        {
            Socket c;
            try
            {
                c = await listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                var buffer = new byte[256 * 1024];
                using (c)
                {
                    try
                    {
                        while (await c.ReceiveAsync(buffer) > 0)
                        {
                        }
                    }
                    catch (SocketException)
                    {
                    }
                }
            });
        }
    });
    return listener;
}

static async Task<double> MegabytesPerSecondAsync(IPEndPoint endpoint)
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    await socket.ConnectAsync(endpoint);
    var chunk = new byte[256 * 1024];
    var clock = Stopwatch.StartNew();
    for (long sent = 0; sent < Transfer; sent += chunk.Length) await socket.SendAsync(chunk);
    socket.Shutdown(SocketShutdown.Send);
    // The sink closes after reading everything: the transfer is done when that FIN comes back.
    await socket.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(60));
    return Transfer / (1024.0 * 1024) / clock.Elapsed.TotalSeconds;
}
