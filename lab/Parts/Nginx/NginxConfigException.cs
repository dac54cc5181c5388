namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>A config nginx cannot use: a bad placeholder, or <c>nginx -t</c> said no (its own message is the message).</summary>
public sealed class NginxConfigException(string message) : Exception(message);
