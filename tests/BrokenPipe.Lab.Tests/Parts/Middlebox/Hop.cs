using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

/// <summary>
/// One connection through a middlebox: a plain target listener on 127.0.0.1:0, the middlebox in front of it, a
/// client connected to the middlebox, and the target's end of the flow as the listener accepted it.
/// </summary>
internal sealed class Hop : IDisposable
{
    private Hop(Socket listener, TcpMiddlebox box, Socket client, Socket target)
    {
        Listener = listener;
        Box = box;
        Client = client;
        Target = target;
    }

    /// <summary>The target's listening socket (still open: a second flow can be accepted from it).</summary>
    public Socket Listener { get; }

    public TcpMiddlebox Box { get; }

    /// <summary>The client's socket, connected to the middlebox.</summary>
    public Socket Client { get; }

    /// <summary>The target's end of the flow: the connection the middlebox opened to the target.</summary>
    public Socket Target { get; }

    /// <summary>Starts a middlebox with <paramref name="fault"/> in front of a fresh target and opens one flow through it.</summary>
    public static async Task<Hop> OpenAsync(LabSandbox lab, IFault fault, string name = "middlebox")
    {
        var listener = Wire.Listen();
        try
        {
            var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), fault, name);
            var client = await Wire.ConnectAsync(box.Endpoint);
            var target = await Wire.AcceptAsync(listener);
            return new Hop(listener, box, client, target);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>One round trip that must pass: <paramref name="request"/> reaches the target, <paramref name="reply"/> reaches the client.</summary>
    public Task ExchangeAsync(byte[] request, byte[] reply) => Wire.ExchangeAsync(Client, Target, request, reply);

    /// <summary>Reads both ends to their end at once (each within <paramref name="bound"/>): what the client and the target each got, and how it ended.</summary>
    public async Task<(ReadEnd Client, ReadEnd Target)> ReadBothToEndAsync(TimeSpan bound)
    {
        var client = Wire.ReadToEndAsync(Client, bound);
        var target = Wire.ReadToEndAsync(Target, bound);
        return (await client, await target);
    }

    public void Dispose()
    {
        Client.Dispose();
        Target.Dispose();
        Listener.Dispose();
    }
}
