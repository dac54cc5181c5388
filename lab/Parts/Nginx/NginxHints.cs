using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// For nginx's "unknown directive" and "invalid parameter": which nginx version or module provides it, so the user knows
/// to run another nginx (<c>--nginx PATH</c>, or an image with <c>--image</c>) rather than to fix the config.
/// </summary>
internal static partial class NginxHints
{
    private static readonly Dictionary<string, string> Providers = new(StringComparer.Ordinal)
    {
        ["http2"] = "nginx 1.25.1 or later (older nginx turn HTTP/2 on with \"listen … http2;\")",
        ["http3"] = "nginx 1.25.0 or later, built with the HTTP/3 module",
        ["quic"] = "nginx 1.25.0 or later, built with the HTTP/3 module",
        ["quic_retry"] = "nginx 1.25.0 or later, built with the HTTP/3 module",
        ["ssl_reject_handshake"] = "nginx 1.19.4 or later",
        ["ssl_conf_command"] = "nginx 1.19.4 or later",
        ["keepalive_time"] = "nginx 1.19.10 or later",
        ["more_set_headers"] = "the headers-more module (Debian: libnginx-mod-http-headers-more-filter)",
        ["more_clear_headers"] = "the headers-more module (Debian: libnginx-mod-http-headers-more-filter)",
        ["sub_filter"] = "the sub module (ngx_http_sub_module; Debian: nginx-full or nginx-extras)",
        ["sub_filter_once"] = "the sub module (ngx_http_sub_module; Debian: nginx-full or nginx-extras)",
        ["sub_filter_types"] = "the sub module (ngx_http_sub_module; Debian: nginx-full or nginx-extras)",
        ["brotli"] = "the brotli module (ngx_brotli; Debian: libnginx-mod-http-brotli-filter)",
        ["brotli_types"] = "the brotli module (ngx_brotli; Debian: libnginx-mod-http-brotli-filter)",
        ["geoip_country"] = "the GeoIP module (Debian: libnginx-mod-http-geoip)",
        ["geoip2"] = "the GeoIP2 module (Debian: libnginx-mod-http-geoip2)",
        ["js_import"] = "njs (Debian: libnginx-mod-http-njs or nginx.org packages)",
        ["js_content"] = "njs (Debian: libnginx-mod-http-njs or nginx.org packages)",
        ["content_by_lua_block"] = "the Lua module (OpenResty, or Debian: libnginx-mod-http-lua)",
        ["access_by_lua_block"] = "the Lua module (OpenResty, or Debian: libnginx-mod-http-lua)",
        ["lua_shared_dict"] = "the Lua module (OpenResty, or Debian: libnginx-mod-http-lua)",
        ["image_filter"] = "the image filter module (Debian: libnginx-mod-http-image-filter)",
        ["dav_methods"] = "the DAV module (ngx_http_dav_module; Debian: nginx-full)",
        ["dav_ext_methods"] = "the DAV ext module (Debian: libnginx-mod-http-dav-ext)",
        ["auth_pam"] = "the PAM auth module (Debian: libnginx-mod-http-auth-pam)",
        ["upload_progress"] = "the upload progress module (Debian: libnginx-mod-http-uploadprogress)",
        ["vod"] = "the VOD module (kaltura nginx-vod-module)",
        ["auth_jwt"] = "NGINX Plus",
        ["health_check"] = "NGINX Plus",
        ["sticky"] = "NGINX Plus",
        ["zone_sync"] = "NGINX Plus",
        ["status_zone"] = "NGINX Plus (open source: nginx 1.27.3 or later)",
        ["stream"] = "the stream module (Debian: libnginx-mod-stream; load it with load_module)",
        ["mail"] = "the mail module (Debian: libnginx-mod-mail; load it with load_module)",
        ["gzip_static"] = "the gzip_static module (ngx_http_gzip_static_module)",
        ["secure_link"] = "the secure_link module (ngx_http_secure_link_module)",
        ["perl"] = "the Perl module (Debian: libnginx-mod-http-perl)",
        ["xslt_stylesheet"] = "the XSLT module (Debian: libnginx-mod-http-xslt-filter)",
        ["ssl_ecdh_curve"] = "nginx built with OpenSSL (the ssl module)",
    };

    /// <summary>A hint for nginx's message, or null: "needs X; this is nginx/1.22.1: run one that has it with --nginx PATH or --image".</summary>
    public static string? For(string message, string version)
    {
        var m = Unknown().Match(message);
        if (!m.Success) return null;
        var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
        var provider = Providers.TryGetValue(name, out var p)
            ? p
            : name.Contains("lua", StringComparison.Ordinal) ? "the Lua module (OpenResty)" : null;
        var what = provider is null ? $"\"{name}\" is not known to {version}: it may need a newer nginx or a module" : $"\"{name}\" needs {provider}; this is {version}";
        return $"{what}: run an nginx that has it with --nginx PATH, or with the docker runtime --image IMAGE";
    }

    /// <summary>The version line of <c>nginx -v</c> ("nginx/1.22.1"), or "nginx (version unknown)".</summary>
    public static string Version(string output) =>
        VersionLine().Match(output) is { Success: true } m ? m.Groups[1].Value : "nginx (version unknown)";

    [GeneratedRegex(@"unknown directive ""([^""]+)""|invalid parameter ""([^""=]+)")]
    private static partial Regex Unknown();

    [GeneratedRegex(@"nginx version: (\S+)")]
    private static partial Regex VersionLine();
}
