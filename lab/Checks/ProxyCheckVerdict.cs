namespace BrokenPipe.Lab.Checks;

/// <summary>A proxy check's verdict.</summary>
public enum ProxyCheckVerdict
{
    /// <summary>The upstream saw the check's request and the behaviour was what production needs.</summary>
    Pass,

    /// <summary>The upstream saw the check's request and the behaviour was not what production needs.</summary>
    Fail,

    /// <summary>
    /// The check's request never reached the lab's upstream (nginx answered it itself: a 404, a redirect, an error page,
    /// a cache hit; or the route does not pass what the check needs, like an Upgrade): no verdict, with the reason.
    /// </summary>
    NotExercised,
}
