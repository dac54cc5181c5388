namespace BrokenPipe.Lab.Tests.Sockets;

/// <summary>The one classifier, on what StackExchange.Redis reports (by name, from its observer processes).</summary>
public sealed class SocketFailuresLibraryTests
{
    [Theory]
    [InlineData("SocketClosed", SocketFailure.EndOfStream)]
    [InlineData("SocketFailure", SocketFailure.ConnectionReset)]
    [InlineData("UnableToConnect", SocketFailure.Refused)]
    [InlineData("UnableToResolvePhysicalConnection", SocketFailure.Refused)]
    public void ClassifyLibrary_ConnectionFailedWithoutException_MapsItsFailureType(string failureType, SocketFailure expected)
    {
        Assert.Equal((expected, (int?)null), SocketFailures.ClassifyLibrary(failureType, []));
    }

    [Fact]
    public void ClassifyLibrary_ResetWithSocketException_IsConnectionResetWithItsErrno()
    {
        var chain = new[] { new LibraryException("RedisConnectionException", "SocketFailure on 127.0.0.1:1/Interactive", "SocketFailure"), new LibraryException("IOException", "…"), new LibraryException("SocketException", "Connection reset by peer", Errno: 104) };

        Assert.Equal((SocketFailure.ConnectionReset, (int?)104), SocketFailures.ClassifyLibrary("SocketFailure", chain));
    }

    [Fact]
    public void ClassifyLibrary_BacklogTimeout_IsTimedOutThoughTheLastConnectionClosed()
    {
        var chain = new[]
        {
            new LibraryException("RedisTimeoutException", "The message timed out in the backlog attempting to send because no connection became available (5000ms)"),
            new LibraryException("RedisConnectionException", "SocketClosed on 127.0.0.1:1/Interactive", "SocketClosed"),
        };

        Assert.Equal((SocketFailure.TimedOut, (int?)null), SocketFailures.ClassifyLibrary(null, chain));
    }

    [Fact]
    public void ClassifyLibrary_BacklogTimeoutAsConnectionException_IsTimedOut()
    {
        var chain = new[]
        {
            new LibraryException("RedisConnectionException", "The message timed out in the backlog attempting to send because no connection became available (5000ms) - Last Connection Exception: SocketClosed", "UnableToConnect"),
            new LibraryException("RedisConnectionException", "SocketClosed on 127.0.0.1:1/Interactive", "SocketClosed"),
        };

        Assert.Equal((SocketFailure.TimedOut, (int?)null), SocketFailures.ClassifyLibrary(null, chain));
    }

    [Fact]
    public void ClassifyLibrary_NoConnectionAvailableAfterAClose_IsEndOfStreamNotATimeout()
    {
        var chain = new[]
        {
            new LibraryException("RedisConnectionException", "No connection is available to service this operation: INCR k", "UnableToResolvePhysicalConnection"),
            new LibraryException("RedisConnectionException", "SocketClosed on 127.0.0.1:1/Interactive", "SocketClosed"),
        };

        Assert.Equal((SocketFailure.EndOfStream, (int?)null), SocketFailures.ClassifyLibrary(null, chain));
    }

    [Fact]
    public void ClassifyLibrary_NoConnectionAvailableAlone_IsRefused()
    {
        var chain = new[] { new LibraryException("RedisConnectionException", "No connection is active/available to service this operation", "UnableToResolvePhysicalConnection") };

        Assert.Equal((SocketFailure.Refused, (int?)null), SocketFailures.ClassifyLibrary(null, chain));
    }

    [Fact]
    public void ClassifyLibrary_UnknownException_IsNull()
    {
        Assert.Equal(((SocketFailure?)null, (int?)null), SocketFailures.ClassifyLibrary(null, [new LibraryException("RedisServerException", "WRONGTYPE")]));
    }

    [Theory]
    [InlineData("Dead socket detected, no reads in 21 seconds with 26 timeouts, issuing disconnect", SocketFailure.TimedOut)]
    [InlineData("Connection restored", null)]
    public void ClassifyLibraryLog_Line_NamesTheDeadSocketOnly(string line, SocketFailure? expected)
    {
        Assert.Equal(expected, SocketFailures.ClassifyLibraryLog(line).Failure);
    }
}
