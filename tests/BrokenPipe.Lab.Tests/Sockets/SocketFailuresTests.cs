using System.Net.Http;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace BrokenPipe.Lab.Tests.Sockets;

public sealed class SocketFailuresTests
{
    [Theory]
    [InlineData(32, SocketFailure.BrokenPipe)]
    [InlineData(104, SocketFailure.ConnectionReset)]
    [InlineData(110, SocketFailure.TimedOut)]
    [InlineData(111, SocketFailure.Refused)]
    public void FromErrno_KnownErrno_MapsToItsFailure(int errno, SocketFailure expected)
    {
        Assert.Equal(expected, SocketFailures.FromErrno(errno));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(103)]
    [InlineData(107)]
    public void FromErrno_ErrnoTheLabDoesNotName_IsNull(int errno)
    {
        Assert.Null(SocketFailures.FromErrno(errno));
    }

    [Fact]
    public void FromSocketError_Shutdown_IsBrokenPipeWithEpipe()
    {
        Assert.Equal((SocketFailure.BrokenPipe, 32), SocketFailures.FromSocketError(SocketError.Shutdown));
    }

    [Fact]
    public void FromSocketError_ConnectionReset_IsConnectionResetWithEconnreset()
    {
        Assert.Equal((SocketFailure.ConnectionReset, 104), SocketFailures.FromSocketError(SocketError.ConnectionReset));
    }

    [Fact]
    public void FromSocketError_OperationAborted_IsCanceledWithoutErrno()
    {
        Assert.Equal((SocketFailure.Canceled, null), SocketFailures.FromSocketError(SocketError.OperationAborted));
    }

    [Fact]
    public void FromSocketError_TimedOutAndRefused_CarryTheirErrno()
    {
        Assert.Equal((SocketFailure.TimedOut, 110), SocketFailures.FromSocketError(SocketError.TimedOut));
        Assert.Equal((SocketFailure.Refused, 111), SocketFailures.FromSocketError(SocketError.ConnectionRefused));
    }

    [Fact]
    public void FromSocketError_ConnectionAborted_KeepsErrnoButNamesNoFailure()
    {
        Assert.Equal((null, 103), SocketFailures.FromSocketError(SocketError.ConnectionAborted));
    }

    [Fact]
    public void Classify_ResetWrappedInIoAndHttpRequestException_IsConnectionReset104()
    {
        var e = new HttpRequestException(
            "An error occurred while sending the request.",
            new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset)));

        Assert.Equal((SocketFailure.ConnectionReset, 104), SocketFailures.Classify(e));
    }

    [Fact]
    public void Classify_HttpClientTimeoutChainEndingInAbortedSocketOperation_IsTimedOut()
    {
        // What HttpClient.Timeout throws: TaskCanceledException → TimeoutException → … → SocketException (OperationAborted).
        var e = new TaskCanceledException(
            "The request was canceled due to the configured HttpClient.Timeout of 0.2 seconds elapsing.",
            new TimeoutException(
                "The operation was canceled.",
                new TaskCanceledException(
                    "The operation was canceled.",
                    new IOException("Unable to read data from the transport connection: Operation canceled.", new SocketException((int)SocketError.OperationAborted)))));

        Assert.Equal((SocketFailure.TimedOut, null), SocketFailures.Classify(e));
    }

    [Fact]
    public void Classify_PlainOperationCanceled_IsCanceled()
    {
        Assert.Equal((SocketFailure.Canceled, null), SocketFailures.Classify(new OperationCanceledException()));
    }

    [Fact]
    public void Classify_AbortedSocketOperationAlone_IsCanceled()
    {
        Assert.Equal((SocketFailure.Canceled, null), SocketFailures.Classify(new SocketException((int)SocketError.OperationAborted)));
    }

    [Fact]
    public void Classify_ResponseEnded_IsEndOfStream()
    {
        var e = new HttpRequestException(
            "Error while copying content to a stream.",
            new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."));

        Assert.Equal((SocketFailure.EndOfStream, null), SocketFailures.Classify(e));
    }

    [Fact]
    public void Classify_EndOfStreamException_IsEndOfStream()
    {
        Assert.Equal((SocketFailure.EndOfStream, null), SocketFailures.Classify(new IOException("read failed", new EndOfStreamException())));
    }

    [Fact]
    public void Classify_KestrelConnectionResetException_IsConnectionReset104()
    {
        Assert.Equal((SocketFailure.ConnectionReset, 104), SocketFailures.Classify(new ConnectionResetException("Connection reset by peer")));
    }

    [Fact]
    public void Classify_SocketErrnoInsideCancellation_SocketErrorWins()
    {
        var e = new OperationCanceledException("canceled", new IOException("write failed", new SocketException((int)SocketError.Shutdown)));

        Assert.Equal((SocketFailure.BrokenPipe, 32), SocketFailures.Classify(e));
    }

    [Fact]
    public void Classify_UnrelatedException_IsUnclassified()
    {
        Assert.Equal((null, null), SocketFailures.Classify(new InvalidOperationException("boom")));
    }

    [Fact]
    public void Describe_WrappedReset_PrintsTheWholeChainOutsideIn()
    {
        var e = new HttpRequestException(
            "An error occurred while sending the request.",
            new IOException("Unable to read data from the transport connection.", new SocketException((int)SocketError.ConnectionReset)));

        var text = SocketFailures.Describe(e);

        var parts = text.Split(" → ");
        Assert.Equal(3, parts.Length);
        Assert.Equal("HttpRequestException: An error occurred while sending the request.", parts[0]);
        Assert.Equal("IOException: Unable to read data from the transport connection.", parts[1]);
        Assert.StartsWith("SocketException (104): ", parts[2]);
    }

    [Fact]
    public void Describe_SingleException_HasNoArrow()
    {
        Assert.Equal("InvalidOperationException: boom", SocketFailures.Describe(new InvalidOperationException("boom")));
    }

    [Theory]
    [InlineData(SocketFailure.BrokenPipe, "broken-pipe")]
    [InlineData(SocketFailure.ConnectionReset, "connection-reset")]
    [InlineData(SocketFailure.TimedOut, "timed-out")]
    [InlineData(SocketFailure.EndOfStream, "end-of-stream")]
    [InlineData(SocketFailure.Refused, "refused")]
    [InlineData(SocketFailure.Canceled, "canceled")]
    public void Name_EveryFailure_IsKebabCase(SocketFailure failure, string expected)
    {
        Assert.Equal(expected, SocketFailures.Name(failure));
    }

    [Theory]
    [InlineData(32, "EPIPE")]
    [InlineData(104, "ECONNRESET")]
    [InlineData(110, "ETIMEDOUT")]
    [InlineData(111, "ECONNREFUSED")]
    public void ErrnoName_KnownErrno_IsItsSymbol(int errno, string expected)
    {
        Assert.Equal(expected, SocketFailures.ErrnoName(errno));
    }
}
