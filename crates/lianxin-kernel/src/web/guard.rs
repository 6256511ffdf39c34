//! The one place for what every answer carries and what every request is believed to come
//! from: the client's address and scheme (trusting `X-Forwarded-For`/`X-Forwarded-Proto` only
//! from the configured proxies), the security headers (CSP, Referrer-Policy, nosniff, HSTS,
//! `Cache-Control: no-store`) and `Secure` on every cookie of an HTTPS request.
//!
//! The settings travel in the application state (the middleware takes them as its state), not
//! in a process-wide global: tests start many apps in one process, each with its own settings.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// How the server is reached (`serve --trusted-proxies`, `--https`).
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Peers whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// The public URL is `https://`: HSTS and `Secure` cookies on every answer.
    pub https: bool,
}

impl WebSettings {
    /// Parses a comma-separated list of addresses and CIDR blocks (`10.0.0.1, 172.16.0.0/12`).
    pub fn parse_proxies(list: &str) -> Result<Vec<IpNet>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("not an IP address or CIDR block: {s}"))
            })
            .collect()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted_proxies.iter().any(|n| n.contains(&ip))
    }

    /// Who the request comes from and whether it reached us over HTTPS.
    pub fn client_of(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> ClientMeta {
        let Some(peer) = peer else {
            return ClientMeta {
                ip: None,
                https: self.https,
                forwarded_host: None,
            };
        };
        if !self.trusts(peer) {
            return ClientMeta {
                ip: Some(peer),
                https: self.https,
                forwarded_host: None,
            };
        }
        // From the right: each address was added by the hop before it; the first one that is
        // not one of our proxies is the client (anything further left it could have forged).
        let mut client = peer;
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        // The proxy facing the browser sets the scheme; it is the first value of the list.
        let forwarded_https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        let forwarded_host = headers
            .get("x-forwarded-host")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty());
        ClientMeta {
            ip: Some(client),
            https: self.https || forwarded_https,
            forwarded_host,
        }
    }
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The believed client of a request, put in its extensions by `guard`
/// (read it with `access::extract::client_ip` and `is_https`).
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub ip: Option<IpAddr>,
    pub https: bool,
    /// The host the browser asked for, as a trusted proxy says (`X-Forwarded-Host`).
    pub forwarded_host: Option<String>,
}

/// The Content-Security-Policy of every answer. Scripts only from our own files (no inline
/// script, no eval, no `javascript:` links); style sheets only from our files too (htmx's
/// indicator styles are in app.css, see the `htmx-config` meta of base.html), but style
/// attributes are allowed: ECharts writes them on the elements it builds. Browsers that do
/// not know `style-src-elem`/`-attr` fall back to `style-src`, hence its `'unsafe-inline'`.
/// Images also as `data:`/`blob:` (Swagger UI's icons, ECharts' saved pictures); the service
/// worker from our origin.
pub const CSP: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; style-src-elem 'self'; style-src-attr 'unsafe-inline'; \
img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
frame-ancestors 'none'";

/// The middleware: believes the client as `WebSettings` allow, then puts the headers on the
/// answer. Answers that chose their own caching (the assets) keep it; every other answer (pages
/// and API answers with personal data) is `no-store`.
pub async fn guard(State(web): State<Arc<WebSettings>>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    let meta = web.client_of(peer, req.headers());
    let https = meta.https;
    req.extensions_mut().insert(meta);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        secure_cookies(h);
    }
    resp
}

/// Adds `Secure` to every cookie of the answer (an HTTPS request's).
fn secure_cookies(h: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return;
    }
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let secured = match c.to_str() {
            Ok(s)
                if !s
                    .split(';')
                    .any(|a| a.trim().eq_ignore_ascii_case("secure")) =>
            {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c)
            }
            _ => c,
        };
        h.append(header::SET_COOKIE, secured);
    }
}

/// A cookie of this site, as every handler sets it: the whole site, `SameSite=Lax`, and
/// `HttpOnly` unless a script must read it. `guard` adds `Secure` on HTTPS.
pub fn cookie(name: &str, value: &str, max_age_secs: i64, http_only: bool) -> Option<HeaderValue> {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/{http_only}; SameSite=Lax; Max-Age={max_age_secs}"
    ))
    .ok()
}

/// Whether a browser's form post comes from this site: its `Origin` (or, when absent, its
/// `Referer`) names the host the request was sent to (the `Host`, or the host a trusted proxy
/// forwarded). A request with neither header (a script, an old browser) passes: browsers send
/// `Origin` on every cross-site POST.
pub struct SameOrigin(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut hosts: Vec<String> = Vec::new();
        if let Some(h) = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
        {
            hosts.push(h.trim().to_owned());
        } else if let Some(a) = parts.uri.authority() {
            hosts.push(a.as_str().to_owned());
        }
        if let Some(h) = parts
            .extensions
            .get::<ClientMeta>()
            .and_then(|m| m.forwarded_host.clone())
        {
            hosts.push(h);
        }
        Ok(SameOrigin(same_origin(&parts.headers, &hosts)))
    }
}

fn same_origin(headers: &HeaderMap, hosts: &[String]) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else {
        return true;
    };
    let Ok(url) = url::Url::parse(source) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(name) = url.host_str() else {
        return false;
    };
    let authority = match url.port() {
        Some(p) => format!("{name}:{p}"),
        None => name.to_owned(),
    };
    hosts.iter().any(|h| authority.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let web = WebSettings {
            trusted_proxies: WebSettings::parse_proxies("10.0.0.0/8, 192.168.1.1").unwrap(),
            https: false,
        };
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 1.2.3.4"),
            ("x-forwarded-for", "10.1.1.1"),
            ("x-forwarded-proto", "https"),
        ]);
        let m = web.client_of(Some("10.0.0.2".parse().unwrap()), &h);
        assert_eq!(m.ip, Some("1.2.3.4".parse().unwrap()));
        assert!(m.https);
        let m = web.client_of(Some("8.8.8.8".parse().unwrap()), &h);
        assert_eq!(m.ip, Some("8.8.8.8".parse().unwrap()));
        assert!(!m.https);
        let m = web.client_of(Some("192.168.1.1".parse().unwrap()), &headers(&[]));
        assert_eq!(m.ip, Some("192.168.1.1".parse().unwrap()));
        let garbage = headers(&[("x-forwarded-for", "nonsense, 5.5.5.5")]);
        let m = web.client_of(Some("10.0.0.2".parse().unwrap()), &garbage);
        assert_eq!(m.ip, Some("5.5.5.5".parse().unwrap()));
        assert!(WebSettings::parse_proxies("10.0.0.0/33").is_err());
        assert!(WebSettings::parse_proxies("").unwrap().is_empty());
    }

    #[test]
    fn same_origin_compares_the_host() {
        let hosts = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let one = hosts(&["a.gov:8080"]);
        assert!(same_origin(&headers(&[]), &one));
        assert!(same_origin(
            &headers(&[("origin", "http://a.gov:8080")]),
            &one
        ));
        assert!(same_origin(
            &headers(&[("referer", "https://a.gov/login?next=/")]),
            &hosts(&["127.0.0.1:8080", "a.gov"])
        ));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.com")]),
            &one
        ));
        assert!(!same_origin(&headers(&[("origin", "null")]), &one));
        assert!(!same_origin(
            &headers(&[("origin", "http://a.gov:8080.evil.com")]),
            &one
        ));
        assert!(!same_origin(&headers(&[("origin", "http://a.gov")]), &[]));
    }
}
