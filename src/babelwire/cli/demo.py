"""The offline demo: sample outlets on loopback, a new site, one pass, then the site."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.text import Text

from babelwire.cli import progress as progress_ui
from babelwire.demo.server import DemoServer, load_samples
from babelwire.demo.site import follow_outlets
from babelwire.jobs.run import run_pass
from babelwire.jobs.site import create_site
from babelwire.newsroom import Newsroom


def run_demo(console: Console, *, port: int, directory: Path | None, serve: bool) -> int:
    root = directory or Path(tempfile.mkdtemp(prefix="babelwire-demo-"))
    outlets = load_samples()
    with DemoServer(outlets, pictures=True) as server:
        console.print(f"Sample sources on {server.base} ({len(outlets)} outlets)")
        create_site(
            root,
            title="babelwire demo",
            base_url=f"http://127.0.0.1:{port}",
            languages=["en", "es"],
            overwrite=True,
        )
        console.print(f"Site folder: {root}")
        # The people, places and organisations of the sample outlets become tags.
        gazetteer = resources.files("babelwire.demo").joinpath("entities.toml")
        (root / "entities.toml").write_text(gazetteer.read_text(encoding="utf-8"), "utf-8")
        # Every sample outlet is on this machine: no politeness delay between requests.
        os.environ.setdefault("BABELWIRE_FETCH_HOST_DELAY", "0")
        with Newsroom.open(root) as newsroom:
            follow_outlets(newsroom, server)
            with progress_ui.RichProgress(console) as bar:
                report = run_pass(newsroom, progress=bar)
            progress_ui.print_report(console, report)
            if not serve:
                return 0 if report.ok else 1
            import uvicorn

            from babelwire.web.app import create_app

            console.print(
                Text.assemble(
                    "The demo site is at ",
                    (f"http://127.0.0.1:{port}/", "bold"),
                    " (Ctrl-C stops)",
                )
            )
            uvicorn.run(create_app(newsroom), host="127.0.0.1", port=port, log_level="warning")
    return 0
