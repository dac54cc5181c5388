using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// A throwaway TLS certificate for one run (RSA 2048, self-signed, for localhost and 127.0.0.1, valid one day), written
/// as PEM into the run dir: the lab's clients accept it, nothing is installed in any trust store. RSA, because many
/// configs' TLS 1.2 cipher lists name only ECDHE-RSA suites.
/// </summary>
internal static class NginxCertificate
{
    /// <summary>Writes <c>lab.crt</c> and <c>lab.key</c> into <paramref name="directory"/> and returns their paths.</summary>
    public static (string Certificate, string Key) Write(string directory, string host = "localhost")
    {
        Directory.CreateDirectory(directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        if (host != "localhost") names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(directory, "lab.crt");
        var keyPath = Path.Combine(directory, "lab.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
