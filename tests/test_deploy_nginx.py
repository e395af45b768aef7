"""deploy/nginx.conf in front of the real search service, both run here as subprocesses.

The built docs (the ``shipped_site`` session fixture, copied with their state folder and
planted with files a web server must not hand out) are served by Debian's nginx with the
site file from deploy/, rendered only on its marked lines (``# @LISTEN@`` and friends) and
wrapped in a minimal top-level nginx.conf that runs unprivileged under a tmp prefix;
``equity-kb serve`` runs on another free loopback port as its upstream. The tests speak
HTTP to nginx, and headless chromium searches through it, first with the service and then,
with the service stopped, from the static index. Skips when /usr/sbin/nginx is missing.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from test_browser_search import browser  # noqa: F401 (fixture)
from test_search_fixtures import CHROMIUM, loopback_socket, port_from_log

from equity_kb.search.layout import state_dir
from equity_kb.search.static_index import read_records

NGINX = Path("/usr/sbin/nginx")
DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
START_TIMEOUT_S = 30.0

pytestmark = pytest.mark.skipif(
    not NGINX.exists(),
    reason=f"{NGINX} is missing: install Debian's nginx (apt-get install -y nginx)",
)

# Planted inside the served folder: nginx must refuse each even though it exists.
PLANTED = {
    ".buildinfo": "# Sphinx build info version 1\nconfig: planted\n",
    ".doctrees/environment.pickle": "planted doctrees",
    ".git/config": "[core]\nplanted = true\n",
    ".env": "SECRET=planted\n",
    "kb-search/.cache": "planted",
    "leak-state/search-index/CURRENT": "gen-planted\n",
}
PLANTED_MARK = "planted"
# Also planted, and served: Sphinx's 404 page (as sphinx-notfound-page writes one) and an
# ACME challenge (certbot's webroot mode), the one dotted folder the site file allows.
NOT_FOUND_PAGE = "<!doctype html><title>Not found</title><p>kb-404-page</p>"
ACME = ".well-known/acme-challenge/token-123"


# -- rendering the site file ------------------------------------------------------------


def render_site_conf(text: str, values: dict[str, str]) -> str:
    """``deploy/nginx.conf`` with each line marked ``# @NAME@`` set to ``values[NAME]``
    (a whole directive), every other line as it is."""
    for name, directive in values.items():
        pattern = re.compile(rf"^([ \t]*)[a-z_]+ [^\n]*;[ \t]*# @{name}@$", re.M)
        found = pattern.findall(text)
        assert found, f"deploy/nginx.conf has no line marked @{name}@"
        text = pattern.sub(lambda m: f"{m.group(1)}{directive};  # @{name}@", text)  # noqa: B023
    return text


def top_level_conf(prefix: Path, site_conf: Path) -> str:
    """A minimal nginx.conf around the site file: in the foreground, everything it
    writes under ``prefix``. Run as root (as in a container), its workers keep this
    user, since pytest's tmp folders are private."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temps = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} notice;
events {{
    worker_connections 512;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temps}
    include {site_conf};
}}
"""


# -- processes ---------------------------------------------------------------------------


def equity_kb_command() -> list[str]:
    script = Path(sys.executable).with_name("equity-kb")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from equity_kb.cli import main; sys.exit(main())"]


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop ``proc`` and its process group (it was started in a session of its own)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # workers a supervisor left behind
        os.killpg(proc.pid, signal.SIGKILL)


def wait_until_answering(port: int, path: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if get(port, path).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no answer on {port}{path} after {START_TIMEOUT_S}s:\n{log.read_text()}"
            )
        time.sleep(0.1)


@dataclass
class Service:
    """``equity-kb serve`` on a loopback port, stopped and started by the tests.

    The first start asks for port 0 and reads the port the system gave from uvicorn's
    log line; a restart takes the same port again, since nginx's upstream names it."""

    site: Path
    log: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.proc is None
        argv = equity_kb_command() + [
            "serve", "--site", str(self.site), "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        # Two workers if the service takes KB_WORKERS; ignored by one that does not.
        env = {**os.environ, "KB_WORKERS": "2"}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        if not self.port:
            self.port = port_from_log(self.log, self.proc, START_TIMEOUT_S)
        wait_until_answering(self.port, "/api/health", self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


@dataclass
class Nginx:
    port: int
    prefix: Path
    access_log: Path


@pytest.fixture(scope="module")
def deploy_site(shipped_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped site and its state folder, with PLANTED files inside."""
    site = tmp_path_factory.mktemp("deploy") / "html"
    shutil.copytree(shipped_site, site)
    shutil.copytree(state_dir(shipped_site), state_dir(site))
    for name, text in PLANTED.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (site / "404.html").write_text(NOT_FOUND_PAGE, encoding="utf-8")
    (site / ACME).parent.mkdir(parents=True)
    (site / ACME).write_text("token-123.key", encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def service(deploy_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = Service(deploy_site, tmp_path_factory.mktemp("service") / "serve.log")
    try:
        svc.start()
        yield svc
    finally:
        svc.stop()


@pytest.fixture(scope="module")
def nginx(
    deploy_site: Path, service: Service, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nginx]:
    prefix = tmp_path_factory.mktemp("nginx")
    # nginx takes this listening socket as its own (the NGINX variable is how it hands
    # sockets to a new binary on upgrade), so the port is the system's choice and no
    # other process can take it before nginx starts.
    sock = loopback_socket()
    sock.listen(128)
    port = int(sock.getsockname()[1])
    access_log = prefix / "access.log"
    site_conf = prefix / "equity-kb.conf"
    site_conf.write_text(
        render_site_conf(
            (DEPLOY / "nginx.conf").read_text(encoding="utf-8"),
            {
                "LISTEN": f"listen 127.0.0.1:{port}",
                "SITE_ROOT": f"root {deploy_site}",
                "SERVICE": f"server 127.0.0.1:{service.port}",
                "ACCESS_LOG": f"access_log {access_log} equity_kb",
            },
        ),
        encoding="utf-8",
    )
    conf = prefix / "nginx.conf"
    conf.write_text(top_level_conf(prefix, site_conf), encoding="utf-8")
    argv = [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    log = prefix / "nginx.out"
    env = {**os.environ, "NGINX": f"{sock.fileno()};"}
    with sock, open(log, "ab") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            pass_fds=[sock.fileno()],
            start_new_session=True,
        )
    try:
        wait_until_answering(port, "/index.html", proc, log)
        assert "using inherited sockets" in (prefix / "error.log").read_text()
        yield Nginx(port, prefix, access_log)
    finally:
        stop_process(proc, signal.SIGQUIT)  # graceful; SIGKILL after 15 s
        assert proc.returncode is not None


# -- HTTP --------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def text(self) -> str:
        raw = gzip.decompress(self.body) if self.header("Content-Encoding") == "gzip" else self.body
        return raw.decode("utf-8")


def get(port: int, path: str, headers: dict[str, str] | None = None) -> Answer:
    """One GET on a fresh connection, the path sent exactly as given, no decoding."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        res = conn.getresponse()
        return Answer(res.status, res.headers, res.read())
    finally:
        conn.close()


GZIP = {"Accept-Encoding": "gzip"}


def inline_script_hashes(site: Path) -> set[str]:
    """The CSP source of every inline script of the site (JSON data blocks are not run)."""
    script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*/json)[^>]*>(.*?)</script>", re.S)
    found = set()
    for page in site.rglob("*.html"):
        for body in script.findall(page.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            found.add(f"'sha256-{digest}'")
    return found


# -- pages -------------------------------------------------------------------------------


def test_pages_come_with_security_headers_and_gzip(nginx: Nginx, deploy_site: Path) -> None:
    on_disk = (deploy_site / "find.html").read_bytes()
    zipped = get(nginx.port, "/find.html", GZIP)
    assert zipped.status == 200
    assert zipped.header("Content-Type") == "text/html; charset=utf-8"
    assert zipped.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in (zipped.header("Vary") or "")
    assert gzip.decompress(zipped.body) == on_disk
    plain = get(nginx.port, "/find.html")
    assert plain.header("Content-Encoding") is None and plain.body == on_disk
    for answer in (zipped, plain):
        assert answer.header("X-Content-Type-Options") == "nosniff"
        assert answer.header("Referrer-Policy") == "strict-origin-when-cross-origin"
        assert answer.header("Cache-Control") == "no-cache"  # pages revalidate
        csp = answer.header("Content-Security-Policy") or ""
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "'wasm-unsafe-eval'" in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'self'" in csp
    assert plain.header("Server") == "nginx"  # no version (server_tokens off)

    # Revalidation is cheap: the page's ETag gives a 304.
    etag = plain.header("ETag")
    assert etag and get(nginx.port, "/find.html", {"If-None-Match": etag}).status == 304

    # try_files: a page without .html, a folder's index, a folder without its slash.
    assert get(nginx.port, "/find").body == on_disk
    about = sorted(p for p in deploy_site.iterdir() if (p / "index.html").is_file())[0].name
    assert get(nginx.port, f"/{about}/").body == (deploy_site / about / "index.html").read_bytes()
    moved = get(nginx.port, f"/{about}")
    assert moved.status == 301 and moved.header("Location") == f"/{about}/"  # relative

    missing = get(nginx.port, "/no-such-page")
    assert missing.status == 404 and missing.text() == NOT_FOUND_PAGE  # the site's 404 page
    assert missing.header("Content-Security-Policy") and missing.header("X-Content-Type-Options")


def test_the_feed_is_served_as_atom(nginx: Nginx, deploy_site: Path) -> None:
    on_disk = (deploy_site / "whats-new.atom").read_bytes()
    answer = get(nginx.port, "/whats-new.atom", GZIP)
    assert answer.status == 200
    assert answer.header("Content-Type") == "application/atom+xml"
    assert answer.header("Content-Encoding") == "gzip"
    assert answer.header("Cache-Control") == "no-cache"  # feed readers revalidate
    assert gzip.decompress(answer.body) == on_disk


def test_the_csp_allows_every_inline_script_of_the_site(nginx: Nginx, deploy_site: Path) -> None:
    """The hashes in deploy/nginx.conf are those of the site's inline scripts (furo's
    theme switch, search.html's redirect); after a theme upgrade this names the new one."""
    csp = get(nginx.port, "/index.html").header("Content-Security-Policy") or ""
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    needed = inline_script_hashes(deploy_site)
    assert needed, "the site has no inline script: drop the hashes from deploy/nginx.conf"
    assert needed <= set(script_src.split()), (
        f"add to script-src: {needed - set(script_src.split())}"
    )
    assert "'unsafe-inline'" not in script_src


# -- caching and the static index --------------------------------------------------------


def test_static_files_and_pagefind_are_cached_as_their_names_allow(
    nginx: Nginx, deploy_site: Path
) -> None:
    static = get(nginx.port, "/_static/search.js", GZIP)
    assert static.status == 200 and static.header("Content-Encoding") == "gzip"
    assert static.header("Cache-Control") == "public, max-age=86400"

    pagefind = deploy_site / "kb-search"
    hashed = {
        suffix: sorted(pagefind.rglob(f"*.{suffix}"))[0]
        for suffix in ("pf_meta", "pf_index", "pf_fragment", "pf_filter")
    }
    for path in hashed.values():
        url = "/" + path.relative_to(deploy_site).as_posix()
        answer = get(nginx.port, url, GZIP)
        assert answer.status == 200, url
        # Already gzipped by Pagefind: sent byte for byte, not compressed again.
        assert answer.header("Content-Encoding") is None, url
        assert answer.body == path.read_bytes() and answer.body[:2] == b"\x1f\x8b", url
        assert answer.header("Content-Type") == "application/octet-stream", url
        assert answer.header("Cache-Control") == "public, max-age=31536000, immutable", url
        assert answer.header("X-Content-Type-Options") == "nosniff", url

    # Pagefind's wasm: gzipped bytes too, but its name carries no hash: it revalidates.
    wasm = sorted(pagefind.glob("wasm.*.pagefind"))[0]
    answer = get(nginx.port, f"/kb-search/{wasm.name}", GZIP)
    assert answer.header("Content-Encoding") is None and answer.body == wasm.read_bytes()
    assert answer.header("Content-Type") == "application/octet-stream"
    assert answer.header("Cache-Control") == "no-cache"

    # Same names in every build: they must revalidate.
    for name in ("pagefind-entry.json", "delta.json", "words.json", "pagefind.js"):
        answer = get(nginx.port, f"/kb-search/{name}", GZIP)
        assert answer.status == 200, name
        assert answer.header("Cache-Control") == "no-cache", name
    words = get(nginx.port, "/kb-search/words.json", GZIP)
    assert words.header("Content-Type") == "application/json"
    if len((pagefind / "words.json").read_bytes()) > 256:  # gzip_min_length
        assert words.header("Content-Encoding") == "gzip"


def test_build_state_and_dotfiles_are_refused(nginx: Nginx, deploy_site: Path) -> None:
    paths = ["/" + name for name in PLANTED] + [
        "/.doctrees/",
        "/leak-state/",
        "/leak-state",
        "/kb-search/../.buildinfo",
        "/%2ebuildinfo",
        # The real state folder is beside the site, outside root.
        f"/{state_dir(deploy_site).name}/search-index/CURRENT",
        f"/../{state_dir(deploy_site).name}/search-index/CURRENT",
        f"/..%2f{state_dir(deploy_site).name}/buildinfo",
    ]
    for path in paths:
        answer = get(nginx.port, path)
        assert answer.status in (400, 403, 404), (path, answer.status)
        assert PLANTED_MARK.encode() not in answer.body, path
        assert b"gen-" not in answer.body, path
    assert get(nginx.port, "/" + ACME).body == b"token-123.key"


# -- the search service through the proxy -----------------------------------------------


def test_search_comes_from_the_service_through_the_proxy(nginx: Nginx, service: Service) -> None:
    path = "/api/search?q=discipline&page_size=5"
    proxied = get(nginx.port, path)
    direct = get(service.port, path)
    assert proxied.status == direct.status == 200
    assert proxied.header("Content-Type") == "application/json"
    answer, expected = json.loads(proxied.text()), json.loads(direct.text())
    assert answer["total"] == expected["total"] and len(answer["hits"]) == 5  # page_size
    assert [h["key"] for h in answer["hits"]] == [h["key"] for h in expected["hits"]]
    assert "discipline" in json.dumps(answer["hits"]).lower()
    # The service's own caching headers pass as they are (nginx adds no Cache-Control).
    assert proxied.headers.get_all("Cache-Control") == direct.headers.get_all("Cache-Control")
    assert proxied.header("ETag") == direct.header("ETag")
    if direct.header("ETag"):
        again = get(nginx.port, path, {"If-None-Match": direct.header("ETag") or ""})
        assert again.status == 304
    # nosniff once (the service's own is replaced by nginx's), the CSP on API answers too.
    assert proxied.headers.get_all("X-Content-Type-Options") == ["nosniff"]
    assert proxied.header("Content-Security-Policy")
    # Compressed when asked, by the service or by nginx.
    zipped = get(nginx.port, path, GZIP)
    assert zipped.header("Content-Encoding") == "gzip"
    assert json.loads(zipped.text())["total"] == answer["total"]

    health = get(nginx.port, "/api/health")
    assert health.status == 200
    info = json.loads(health.text())
    # One document per entry of the site: as many as the static index holds.
    assert info["status"] == "ok" and info["documents"] == len(read_records(service.site) or {})

    # The access log has the request, but not the words searched for.
    logged = nginx.access_log.read_text(encoding="utf-8")
    assert '"GET /api/search HTTP/1.1" 200' in logged
    assert "discipline" not in logged


def test_a_stopped_service_is_a_json_503(nginx: Nginx, service: Service) -> None:
    service.stop()
    try:
        for path in ("/api/search?q=discipline", "/api/health"):
            answer = get(nginx.port, path)
            assert answer.status == 503, path
            assert answer.header("Content-Type") == "application/json"
            assert json.loads(answer.text())["status"] == "unavailable"
        assert get(nginx.port, "/find.html").status == 200  # the site stays up
    finally:
        service.start()
    assert get(nginx.port, "/api/health").status == 200  # and back, without an nginx reload


# -- the search page in chromium, through nginx ------------------------------------------

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


class Console:
    """A browser context's page with its console errors, page errors and CSP violations."""

    def __init__(self, browser: Any) -> None:  # noqa: F811
        self.context = browser.new_context()
        self.context.add_init_script(CSP_WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.api: list[int] = []
        self.pagefind: list[tuple[str, str | None]] = []
        self.page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        # The site has no favicon, and chromium asks for /favicon.ico anyway.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            self.errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def _response(self, res: Any) -> None:
        if "/api/search" in res.url:
            self.api.append(res.status)
        elif ".pf_" in res.url or res.url.endswith(".pagefind"):
            self.pagefind.append((res.url, res.headers.get("content-encoding")))

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def violations(self) -> list[str]:
        return list(self.page.evaluate("window.__cspViolations || []"))

    def close(self) -> None:
        self.context.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_the_search_page_through_nginx_uses_the_service_then_the_static_index(
    nginx: Nginx,
    service: Service,
    browser: Any,  # noqa: F811
) -> None:
    base = f"http://127.0.0.1:{nginx.port}"
    tab = Console(browser)
    try:
        # Pages with furo's inline script, the gap map and Explore (Pagefind's wasm), and
        # search.html's redirect: none breaks the CSP.
        card = sorted(p.name for p in (service.site / "practices").glob("PC-*.html"))[0]
        for path in ("/index.html", f"/practices/{card}", "/gap-map.html"):
            tab.goto(base + path)
            assert tab.violations() == [], path
        tab.goto(f"{base}/explore.html")
        tab.page.wait_for_selector(".kb-hit")
        assert tab.violations() == []
        tab.goto(f"{base}/search.html?q=discipline")
        tab.page.wait_for_url("**/find.html?q=discipline")

        # The search page asks the service, through the proxy.
        tab.page.wait_for_selector(".kb-hit")
        mode = tab.page.locator(".kb-mode")
        assert "with the search service" in mode.inner_text()
        assert "kb-mode-api" in (mode.get_attribute("class") or "")
        assert tab.api and set(tab.api) == {200}
        assert tab.violations() == [] and tab.errors == [], tab.errors
        # Explore's static index came as Pagefind wrote it: not compressed again.
        assert tab.pagefind and all(enc is None for _, enc in tab.pagefind), tab.pagefind
    finally:
        tab.close()

    service.stop()
    tab = Console(browser)
    try:
        tab.goto(f"{base}/find.html?q=discipline")
        tab.page.wait_for_selector(".kb-hit")
        mode = tab.page.locator(".kb-mode")
        assert "static index" in mode.inner_text()
        assert "kb-mode-static" in (mode.get_attribute("class") or "")
        assert tab.api == [503]  # nginx's JSON 503, then the page searched in the browser
        assert tab.violations() == []
        # The one error the console may show: the service's 503.
        others = [e for e in tab.errors if not ("503" in e and "/api/search" in e)]
        assert others == [], tab.errors
    finally:
        tab.close()
        service.start()


DEBIAN_CONF = Path("/etc/nginx/nginx.conf")


@pytest.mark.skipif(not DEBIAN_CONF.exists(), reason=f"{DEBIAN_CONF} is missing")
def test_the_site_file_fits_debians_own_nginx_conf(tmp_path: Path) -> None:
    """``nginx -t`` with Debian's nginx.conf, its sites-enabled/ replaced by the site file
    as shipped (only its log moved here), and no warning: no directive clashes with the
    http block it lands in (Debian's gzip on, its mime types, conf.d)."""
    site = tmp_path / "equity-kb"
    site.write_text(
        render_site_conf(
            (DEPLOY / "nginx.conf").read_text(encoding="utf-8"),
            {"ACCESS_LOG": f"access_log {tmp_path / 'access.log'} equity_kb"},
        ),
        encoding="utf-8",
    )
    conf = DEBIAN_CONF.read_text(encoding="utf-8")
    moved = {
        r"include /etc/nginx/sites-enabled/\*;": f"include {site};",
        r"error_log [^;]+;": f"error_log {tmp_path / 'error.log'};",
        r"access_log [^;]+;": f"access_log {tmp_path / 'default.log'};",
        r"pid [^;]+;": f"pid {tmp_path / 'nginx.pid'};",
    }
    for pattern, line in moved.items():
        conf, n = re.subn(rf"(?m)^(\s*){pattern}", lambda m: m.group(1) + line, conf)  # noqa: B023
        if pattern.startswith("include"):
            assert n == 1, f"{DEBIAN_CONF} does not include sites-enabled/*"
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    done = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    warnings = [
        line
        for line in done.stderr.splitlines()
        if "[warn]" in line and '"user" directive makes sense only' not in line
    ]
    assert warnings == [], done.stderr
