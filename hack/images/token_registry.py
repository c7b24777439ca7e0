#!/usr/bin/python3
"""Bearer-token registry front and token server for ucr tests (stdlib only).

Two HTTP servers in one process, sharing state:

  registry front (default 127.0.0.1:5102)
      Answers Registry v2 requests. Without a valid `Authorization: Bearer <tok>`
      it replies 401 with
          WWW-Authenticate: Bearer realm="http://127.0.0.1:5103/token",
                            service="ucr-test",scope="repository:<name>:pull"
      (no scope for `/v2/` itself). With a token whose scope covers the
      repository it reverse-proxies the request (GET/HEAD only, streamed,
      headers kept, redirects passed through unfollowed) to the open registry.

  token server (default 127.0.0.1:5103)
      GET /token?service=ucr-test&scope=repository:<name>:pull[,push]
          -> 200 {"token": T, "access_token": T, "expires_in": 300, "issued_at": ...}
          Repositories under `public/` may be requested anonymously. Every other
          repository (`private/...`, `ucr-test/...`) needs HTTP Basic
          ucr:ucrpass on the token request, else 401. Wrong credentials are
          always refused, even for public repositories. Only `pull` is granted.
      GET /stats   -> JSON counters (tokens issued, per scope, 401s, proxied, ...)
      GET /reset   -> zero the counters (tokens stay valid)
      GET /revoke  -> invalidate every issued token (the next request gets 401)
      GET /config?redirect_blobs=1|0&expires_in=N
                   -> test knobs, returns the current config as JSON.
                      redirect_blobs=1 makes the front answer blob GET/HEAD with
                      `307 Location: http://<token host>/blobs/<name>/<digest>`
                      (a CDN-like second host that serves the blob without
                      auth and counts requests that still carry Authorization
                      in stats["leaked_auth"]).
      GET /healthz, GET /v2/ -> 200

Every token issuance is also logged on stdout (the registry.sh log file).
"""

import argparse
import base64
import hmac
import http.client
import http.server
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse

SERVICE = "ucr-test"
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailers", "transfer-encoding", "upgrade",
}
NAME_RE = re.compile(r"^/v2/(.+?)/(manifests|blobs|tags)/(.*)$")


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (set of repo names, expiry time)
        self.redirect_blobs = False
        self.expires_in = args.expires_in
        self.reset()

    def reset(self):
        with self.lock:
            self.stats = {
                "tokens_issued": 0,
                "tokens_anonymous": 0,
                "tokens_authenticated": 0,
                "tokens_by_scope": {},
                "token_denied": 0,
                "registry_unauthorized": 0,
                "registry_proxied": 0,
                "registry_requests": 0,
                "blob_redirects": 0,
                "redirected_blob_requests": 0,
                "leaked_auth": 0,
            }

    def bump(self, key, n=1):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + n

    def issue(self, repos, scopes, authenticated):
        tok = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            # drop expired tokens so the table stays small
            for t in [t for t, (_, exp) in self.tokens.items() if exp < now]:
                del self.tokens[t]
            self.tokens[tok] = (set(repos), now + self.expires_in)
            s = self.stats
            s["tokens_issued"] += 1
            s["tokens_authenticated" if authenticated else "tokens_anonymous"] += 1
            key = " ".join(scopes) if scopes else "(none)"
            s["tokens_by_scope"][key] = s["tokens_by_scope"].get(key, 0) + 1
        return tok

    def check(self, tok, repo):
        with self.lock:
            ent = self.tokens.get(tok)
            if ent is None or ent[1] < time.time():
                return False
            return repo is None or repo in ent[0]

    def revoke(self):
        with self.lock:
            self.tokens.clear()


def log(msg):
    sys.stdout.write(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + msg + "\n")
    sys.stdout.flush()


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ucr-test-registry/1"
    state = None  # set on the subclass

    def log_message(self, fmt, *args):
        log("%s %s %s" % (self.server.server_address[1], self.address_string(), fmt % args))

    def send_json(self, code, obj, extra=None):
        body = (json.dumps(obj, sort_keys=True, indent=1) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def registry_error(self, code, err, msg, extra=None):
        self.send_json(code, {"errors": [{"code": err, "message": msg, "detail": None}]},
                       extra)

    def drain_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def proxy(self, path, drop_auth=True):
        """Stream `self.command path` from the open registry back to the client."""
        up = self.state.args.upstream
        conn = http.client.HTTPConnection(up, timeout=120)
        hdrs = {}
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in HOP_BY_HOP or (drop_auth and lk == "authorization"):
                continue
            hdrs[k] = v
        # keep the client's Host so absolute URLs the registry builds
        # (Location) point back at this front, not at the upstream
        try:
            conn.request(self.command, path, headers=hdrs)
            resp = conn.getresponse()
        except OSError as e:
            conn.close()
            self.registry_error(502, "UNAVAILABLE", "upstream: %s" % e)
            return
        try:
            self.send_response(resp.status, resp.reason)
            length = resp.getheader("Content-Length")
            for k, v in resp.getheaders():
                if k.lower() in HOP_BY_HOP:
                    continue
                self.send_header(k, v)
            chunked_close = (length is None and self.command != "HEAD"
                             and resp.status not in (204, 304))
            if chunked_close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                while True:
                    buf = resp.read(256 * 1024)
                    if not buf:
                        break
                    self.wfile.write(buf)
        finally:
            resp.close()
            conn.close()


class FrontHandler(Base):
    """127.0.0.1:5102: bearer-protected read-only view of the open registry."""

    def challenge(self, repo, reason="authentication required"):
        self.state.bump("registry_unauthorized")
        realm = "http://%s/token" % self.state.args.token_addr
        val = 'Bearer realm="%s",service="%s"' % (realm, SERVICE)
        if repo:
            val += ',scope="repository:%s:pull"' % repo
        if "Bearer" in (self.headers.get("Authorization") or ""):
            val += ',error="invalid_token"'
        self.registry_error(401, "UNAUTHORIZED", reason, {"WWW-Authenticate": val,
                                               "Docker-Distribution-Api-Version": "registry/2.0"})

    def handle_any(self):
        self.state.bump("registry_requests")
        self.drain_body()
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        if not (path == "/v2" or path.startswith("/v2/")):
            self.registry_error(404, "NOT_FOUND", "not a registry path")
            return
        repo = None
        kind = None
        m = NAME_RE.match(path)
        if m:
            repo, kind = m.group(1), m.group(2)
        elif path.rstrip("/") == "/v2/_catalog":
            repo = None
        auth = self.headers.get("Authorization") or ""
        tok = auth[7:].strip() if auth.startswith("Bearer ") else None
        if tok is None or not self.state.check(tok, repo):
            self.challenge(repo, "token missing, expired or not valid for this repository")
            return
        if self.command not in ("GET", "HEAD"):
            self.registry_error(405, "UNSUPPORTED", "read-only registry front",
                                {"Allow": "GET, HEAD"})
            return
        if kind == "blobs" and self.state.redirect_blobs and m.group(3).startswith("sha256:"):
            self.state.bump("blob_redirects")
            loc = "http://%s/blobs/%s/%s" % (self.state.args.token_addr, repo, m.group(3))
            self.send_response(307)
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.state.bump("registry_proxied")
        self.proxy(self.path)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class TokenHandler(Base):
    """127.0.0.1:5103: token endpoint, stats and test knobs."""

    def basic_user(self):
        """None: no credentials; False: wrong; user name: right."""
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Basic "):
            return None
        try:
            user, _, pw = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except Exception:
            return False
        a = self.state.args
        if hmac.compare_digest(user, a.user) and hmac.compare_digest(pw, a.password):
            return user
        return False

    def token(self, q):
        st = self.state
        service = q.get("service", [SERVICE])[0]
        if service != SERVICE:
            st.bump("token_denied")
            self.send_json(400, {"error": "invalid_request",
                                 "error_description": "unknown service %r" % service})
            return
        scopes = []
        for s in q.get("scope", []):
            scopes.extend(s.split())
        repos = []
        for s in scopes:
            parts = s.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue  # unknown scope types are ignored (not granted)
            repos.append(":".join(parts[1:-1]))
        user = self.basic_user()
        challenge = {"WWW-Authenticate": 'Basic realm="ucr-token"'}
        if user is False:
            st.bump("token_denied")
            log("token DENIED (bad credentials) scope=%r" % scopes)
            self.send_json(401, {"error": "invalid_client",
                                 "error_description": "bad credentials"}, challenge)
            return
        if user is None:
            need = [r for r in repos if not r.startswith("public/")]
            if need:
                st.bump("token_denied")
                log("token DENIED (anonymous) scope=%r" % scopes)
                self.send_json(401, {"error": "unauthorized",
                                     "error_description": "credentials required for %s"
                                     % ", ".join(need)}, challenge)
                return
        tok = st.issue(repos, scopes, user is not None)
        log("token ISSUED user=%s scope=%r" % (user or "-", scopes))
        self.send_json(200, {
            "token": tok,
            "access_token": tok,
            "expires_in": st.expires_in,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        })

    def do_GET(self):
        self.drain_body()
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        st = self.state
        if u.path == "/token":
            self.token(q)
        elif u.path == "/stats":
            with st.lock:
                snap = json.loads(json.dumps(st.stats))
                snap["tokens_live"] = len(st.tokens)
            self.send_json(200, snap)
        elif u.path == "/reset":
            st.reset()
            self.send_json(200, {"reset": True})
        elif u.path == "/revoke":
            st.revoke()
            self.send_json(200, {"revoked": True})
        elif u.path == "/config":
            if "redirect_blobs" in q:
                st.redirect_blobs = q["redirect_blobs"][0] in ("1", "true", "yes")
            if "expires_in" in q:
                st.expires_in = int(q["expires_in"][0])
            self.send_json(200, {"redirect_blobs": st.redirect_blobs,
                                 "expires_in": st.expires_in})
        elif u.path in ("/healthz", "/v2", "/v2/"):
            self.send_json(200, {})
        elif u.path.startswith("/blobs/"):
            # CDN-like redirect target: /blobs/<name>/<digest>
            st.bump("redirected_blob_requests")
            if self.headers.get("Authorization"):
                st.bump("leaked_auth")
                log("redirected blob request carried Authorization (leak)")
            name, _, dgst = u.path[len("/blobs/"):].rpartition("/")
            self.proxy("/v2/%s/blobs/%s" % (name, dgst))
        else:
            self.send_json(404, {"error": "not found"})

    do_HEAD = do_GET

    def do_POST(self):
        self.drain_body()
        self.send_json(405, {"error": "unsupported",
                             "error_description": "use GET /token"}, {"Allow": "GET"})


def serve(handler_cls, addr):
    host, port = addr.rsplit(":", 1)
    cls = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 128})
    srv = cls((host, int(port)), handler_cls)
    srv.daemon_threads = True
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1:5102", help="registry front address")
    ap.add_argument("--token-listen", default="127.0.0.1:5103", help="token server address")
    ap.add_argument("--upstream", default="127.0.0.1:5100", help="open registry to proxy")
    ap.add_argument("--user", default="ucr")
    ap.add_argument("--password", default="ucrpass")
    ap.add_argument("--expires-in", type=int, default=300)
    ap.add_argument("--state-dir", default="",
                    help="registry.sh's data dir (only marks the process as its own)")
    args = ap.parse_args()
    args.token_addr = args.token_listen

    state = State(args)
    FrontHandler.state = state
    TokenHandler.state = state
    front = serve(FrontHandler, args.listen)
    tok = serve(TokenHandler, args.token_listen)
    t = threading.Thread(target=tok.serve_forever, daemon=True)
    t.start()
    log("bearer front on %s (upstream %s), token server on %s"
        % (args.listen, args.upstream, args.token_listen))
    try:
        front.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
