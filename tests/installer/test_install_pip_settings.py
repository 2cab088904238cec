"""install.sh asks the PyTorch index with the settings pip itself uses (pip.conf, the file
PIP_CONFIG_FILE names, PIP_* variables): a proxy, a certificate bundle, a client
certificate and trusted hosts. Without them an index that pip reaches through a proxy or a
private CA was "cannot be reached", and an upgrade stopped."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import shutil
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from .standin import REPO, linux_only, run, stops
from .test_install_index import Index

pytestmark = linux_only

MIRROR = "torch-mirror.invalid"  # no resolver knows it: reached only through the proxy
ENV = {"FAKE_PYPI_TORCH": "1", "FAKE_REAL_PROBE": "1"}


class Proxy(http.server.BaseHTTPRequestHandler):
    """An HTTP proxy that knows one host, MIRROR: the Index served at `index`."""

    index: ClassVar[str] = ""
    asked: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).asked.append((self.path, self.headers.get("Proxy-Authorization")))
        url = urllib.parse.urlsplit(self.path)
        if url.hostname != MIRROR:
            self.send_error(502)
            return
        upstream = http.client.HTTPConnection(self.index, timeout=10)
        upstream.request("GET", url.path)
        answer = upstream.getresponse()
        body = answer.read()
        upstream.close()
        self.send_response(answer.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a refused TLS handshake is what some tests expect


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler],
            tls: ssl.SSLContext | None = None) -> Iterator[int]:  # fmt: skip
    """The port HANDLER answers on, on 127.0.0.1 (over TLS with a context)."""
    server = Server(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def pip_conf(home: Path, text: str) -> Path:
    """The user's pip configuration file (~/.config/pip/pip.conf) holding TEXT."""
    conf = home / ".config/pip/pip.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(text)
    return conf


@pytest.mark.parametrize(
    "where", ["pip.conf", "pip.conf [install]", "PIP_CONFIG_FILE", "PIP_PROXY", "NO_PROXY"]
)
def test_pips_proxy_takes_the_check_to_an_index_only_it_reaches(tmp_path, fake_python, where):
    """A proxy set for pip only: pip reached the index through it, the check went direct,
    and an install given the index, or an upgrade of one made from it, stopped."""
    home = tmp_path / "home"
    home.mkdir()
    Index.asked, Proxy.asked = [], []
    with serving(Index) as index_port, serving(Proxy) as proxy_port:
        Proxy.index = f"127.0.0.1:{index_port}"
        proxy = f"http://me:s3cret@127.0.0.1:{proxy_port}"
        env = dict(ENV)
        if where == "pip.conf":
            pip_conf(home, f"[global]\nproxy = {proxy}\n")
        elif where == "pip.conf [install]":
            pip_conf(home, f"[global]\nproxy = http://127.0.0.1:9\n[install]\nproxy = {proxy}\n")
        elif where == "PIP_CONFIG_FILE":
            (tmp_path / "elsewhere.conf").write_text(f"[global]\nproxy = {proxy}\n")
            env["PIP_CONFIG_FILE"] = str(tmp_path / "elsewhere.conf")
        elif where == "PIP_PROXY":
            env["PIP_PROXY"] = proxy
        else:  # pip's proxy takes every host, whatever NO_PROXY says
            pip_conf(home, f"[global]\nproxy = {proxy}\n")
            env["NO_PROXY"] = MIRROR
        url = f"http://{MIRROR}/simple"
        args = ["--python", str(fake_python), "--from", str(REPO)]
        said = run(home, *args, "--torch-index", url, **env)
        assert "cannot" not in said
        data = home / ".local/share/labeldesk"
        assert f"--extra-index-url {url} " in (data / "venv/lib/pip-args").read_text()
        said = run(home, *args, **env)  # an upgrade: the index remembered, asked again
        assert f"from {url} (as before;" in said
        login = "Basic bWU6czNjcmV0"  # me:s3cret
        assert Proxy.asked == [(f"{url}/torch/", login)] * 2
        assert Index.asked == [("/simple/torch/", None)] * 2
        # without pip's proxy the mirror cannot be reached: the upgrade stops
        shutil.rmtree(home / ".config", ignore_errors=True)
        done = stops(home, *args, **ENV)
        assert f"cannot get PyTorch from {url}\n  (the index this installation's" in done.stderr


@pytest.mark.parametrize("setting", ["proxy =", "no-proxy-env = yes"])
def test_pip_set_to_ignore_the_environments_proxy_is_followed(tmp_path, fake_python, setting):
    """http_proxy names a proxy pip is told to leave out (an empty proxy, no-proxy-env): pip
    asks the index directly, the check asked that proxy and stopped the install."""
    home = tmp_path / "home"
    home.mkdir()
    pip_conf(home, f"[global]\n{setting}\n")
    Index.asked = []
    with serving(Index) as port:
        url = f"http://127.0.0.1:{port}/simple"
        said = run(home, "--python", str(fake_python), "--torch-index", url, "--from", str(REPO),
                   http_proxy="http://127.0.0.1:9", **ENV)  # fmt: skip
        assert "cannot" not in said
        assert Index.asked == [("/simple/torch/", None)]


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, Path]:
    """A self-signed certificate for 127.0.0.1 (server.pem, its key server.key) and a
    client's, key and certificate in one file as pip's client-cert takes it (client.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make certificates")
    made = {}
    for name, subject in (("server", "127.0.0.1"), ("client", "labeldesk-test-client")):
        key, cert = tmp_path / f"{name}.key", tmp_path / f"{name}.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={subject}",
             "-addext", f"subjectAltName={'IP:' if name == 'server' else 'DNS:'}{subject}"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        made[name + ".key"], made[name + ".crt"] = key, cert
    made["client.pem"] = tmp_path / "client.pem"
    made["client.pem"].write_text(made["client.key"].read_text() + made["client.crt"].read_text())
    return made


def tls_server(certs: dict[str, Path], client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs["server.crt"], certs["server.key"])
    if client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(certs["client.crt"])
    return context


@pytest.mark.parametrize(
    "setting",
    ["trusted-host = 127.0.0.1", "trusted-host =\n    other.test\n    127.0.0.1:{port}",
     "cert = {certs}/server.crt"],
    ids=["trusted-host", "trusted-host:port among others", "cert"],
)  # fmt: skip
def test_an_https_index_pips_settings_trust_is_used(tmp_path, fake_python, certs, setting):
    """A self-signed index that pip.conf trusts (trusted-host, or its certificate as cert):
    the check refused the certificate and the install stopped."""
    home = tmp_path / "home"
    home.mkdir()
    Index.asked = []
    with serving(Index, tls_server(certs)) as port:
        pip_conf(home, "[global]\n" + setting.format(port=port, certs=tmp_path) + "\n")
        url = f"https://127.0.0.1:{port}/simple"
        said = run(home, "--python", str(fake_python), "--torch-index", url,
                   "--from", str(REPO), **ENV)  # fmt: skip
        assert "cannot" not in said
        assert Index.asked == [("/simple/torch/", None)]


@pytest.mark.parametrize(
    "setting", ["trusted-host = 127.0.0.2", "trusted-host = 127.0.0.1:{other}"]
)
def test_a_host_pip_does_not_trust_is_still_checked(tmp_path, fake_python, certs, setting):
    home = tmp_path / "home"
    home.mkdir()
    with serving(Index, tls_server(certs)) as port:
        pip_conf(home, "[global]\n" + setting.format(other=port + 1) + "\n")
        url = f"https://127.0.0.1:{port}/simple"
        done = stops(home, "--python", str(fake_python), "--torch-index", url,
                     "--from", str(REPO), **ENV)  # fmt: skip
        assert f"cannot get PyTorch from {url}\n  (the index asked for):" in done.stderr
        assert "CERTIFICATE_VERIFY_FAILED" in done.stderr


@pytest.mark.parametrize("where", ["pip.conf", "PIP_CLIENT_CERT"])
def test_pips_client_certificate_is_shown_to_an_index_that_asks_for_one(
    tmp_path, fake_python, certs, where
):
    home = tmp_path / "home"
    home.mkdir()
    Index.asked = []
    with serving(Index, tls_server(certs, client_cert=True)) as port:
        url = f"https://127.0.0.1:{port}/simple"
        args = ["--python", str(fake_python), "--torch-index", url, "--from", str(REPO)]
        conf = f"[global]\ncert = {certs['server.crt']}\n"
        pip_conf(home, conf)
        done = stops(home, *args, **ENV)  # no client certificate: the index refuses
        assert "(the index asked for):" in done.stderr
        if where == "pip.conf":
            pip_conf(home, conf + f"client-cert = {certs['client.pem']}\n")
            said = run(home, *args, **ENV)
        else:
            said = run(home, *args, PIP_CLIENT_CERT=str(certs["client.pem"]), **ENV)
        assert "cannot" not in said
        assert Index.asked == [("/simple/torch/", None)]


def test_a_client_certificate_pip_cannot_use_is_named(tmp_path, fake_python):
    home = tmp_path / "home"
    home.mkdir()
    pip_conf(home, f"[global]\nclient-cert = {tmp_path}/missing.pem\n")
    url = "https://127.0.0.1:9/simple"
    done = stops(home, "--python", str(fake_python), "--torch-index", url,
                 "--from", str(REPO), **ENV)  # fmt: skip
    assert f"(the index asked for): pip's client-cert {tmp_path}/missing.pem cannot be used:" in (
        done.stderr
    )
