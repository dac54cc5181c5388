namespace BrokenPipe.Lab.Checks;

/// <summary>What one request the lab's upstream received was, for the check that sent it.</summary>
internal enum UpstreamRequest
{
    /// <summary>The check's own request, passed on by the proxy.</summary>
    Main,

    /// <summary>The route's auth subrequest (nginx's auth_request), answered at once as an auth server would.</summary>
    AuthSubrequest,

    /// <summary>Bytes the HTTP/1.x upstream could not read (the HTTP/2 preface of grpc_pass, a binary protocol).</summary>
    Unreadable,
}
