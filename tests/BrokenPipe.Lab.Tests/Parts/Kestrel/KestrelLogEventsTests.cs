using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Kestrel;

namespace BrokenPipe.Lab.Tests.Parts.Kestrel;

public sealed class KestrelLogEventsTests
{
    private const string Sockets = "Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets";
    private const string BadRequests = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";
    private const string Hosting = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public void Map_SocketsReceivedFin_IsKestrelReceivedFin()
    {
        var mapped = KestrelLogEvents.Map(Sockets, 6, "Connection id \"0HNHB4C3KQ1L2\" received FIN.", null);

        Assert.Equal((EventKind.KestrelReceivedFin, SocketFailure.EndOfStream, null), mapped);
    }

    [Fact]
    public void Map_SocketsReset_IsKestrelResetWithEconnreset()
    {
        var mapped = KestrelLogEvents.Map(Sockets, 19, "Connection id \"0HNHB4C3KQ1L2\" reset.", null);

        Assert.Equal((EventKind.KestrelReset, SocketFailure.ConnectionReset, 104), mapped);
    }

    [Fact]
    public void Map_SocketsSendingRstBecauseBrokenPipe_IsKestrelSendingRstWithEpipe()
    {
        var mapped = KestrelLogEvents.Map(Sockets, 8, "Connection id \"0HNHB4C3KQ1L2\" sending RST because: \"Broken pipe\"", null);

        Assert.Equal((EventKind.KestrelSendingRst, SocketFailure.BrokenPipe, 32), mapped);
    }

    [Fact]
    public void Map_SocketsSendingRstBecauseReset_IsKestrelSendingRstWithEconnreset()
    {
        var mapped = KestrelLogEvents.Map(Sockets, 8, "Connection id \"0HNHB4C3KQ1L2\" sending RST because: \"Connection reset by peer\"", null);

        Assert.Equal((EventKind.KestrelSendingRst, SocketFailure.ConnectionReset, 104), mapped);
    }

    [Fact]
    public void Map_SocketsSendingRstBecauseOfMinimumDataRate_IsKestrelSendingRstTimedOut()
    {
        var mapped = KestrelLogEvents.Map(
            Sockets,
            8,
            "Connection id \"0HNHB4C3KQ1L2\" sending RST because: \"The connection was aborted because the response was not read by the client at the specified minimum data rate.\"",
            null);

        Assert.Equal((EventKind.KestrelSendingRst, SocketFailure.TimedOut, null), mapped);
    }

    [Fact]
    public void Map_SocketsSendingRstForAnotherReason_IsKestrelSendingRstWithoutFailure()
    {
        var mapped = KestrelLogEvents.Map(Sockets, 8, "Connection id \"0HNHB4C3KQ1L2\" sending RST because: \"The application aborted the connection.\"", null);

        Assert.Equal((EventKind.KestrelSendingRst, null, null), mapped);
    }

    [Fact]
    public void Map_SocketsSendingFin_IsKestrelSendingFin()
    {
        var mapped = KestrelLogEvents.Map(Sockets, 7, "Connection id \"0HNHB4C3KQ1L2\" sending FIN because: \"The Socket transport's send loop completed gracefully.\"", null);

        Assert.Equal((EventKind.KestrelSendingFin, null, null), mapped);
    }

    [Fact]
    public void Map_SocketsCommunicationErrorWithResetException_IsClassifiedFromTheException()
    {
        var mapped = KestrelLogEvents.Map(
            Sockets,
            14,
            "Connection id \"0HNHB4C3KQ1L2\" communication error.",
            new IOException("write failed", new SocketException((int)SocketError.ConnectionReset)));

        Assert.Equal((EventKind.KestrelCommunicationError, SocketFailure.ConnectionReset, 104), mapped);
    }

    [Fact]
    public void Map_BadRequestsMinimumResponseDataRate_IsKestrelMinDataRateAbort()
    {
        var mapped = KestrelLogEvents.Map(
            BadRequests,
            28,
            "Connection id \"0HNHB4C3KQ1L2\", Request id \"0HNHB4C3KQ1L2:00000001\": the connection was closed because the response was not read by the client at the specified minimum data rate.",
            null);

        Assert.Equal((EventKind.KestrelMinDataRateAbort, SocketFailure.TimedOut, null), mapped);
    }

    [Fact]
    public void Map_HostingRequestFinished_IsKestrelRequestFinished()
    {
        var mapped = KestrelLogEvents.Map(Hosting, 2, "Request finished HTTP/1.1 GET http://127.0.0.1:40123/ - 200 4096 application/octet-stream 12.3456ms", null);

        Assert.Equal((EventKind.KestrelRequestFinished, null, null), mapped);
    }

    [Fact]
    public void Map_UnknownEventId_IsNull()
    {
        Assert.Null(KestrelLogEvents.Map(Sockets, 4, "Connection id \"0HNHB4C3KQ1L2\" paused.", null));
        Assert.Null(KestrelLogEvents.Map(Hosting, 1, "Request starting HTTP/1.1 GET http://127.0.0.1:40123/ - - -", null));
    }

    [Fact]
    public void Map_KnownIdInAnotherCategory_IsNull()
    {
        Assert.Null(KestrelLogEvents.Map("Microsoft.AspNetCore.Routing", 6, "Connection id \"X\" received FIN.", null));
    }
}
