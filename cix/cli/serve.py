"""``cix serve``: run the node's API and console with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cix.cli.common import HomeOption, fail_from
from cix.errors import CixError
from cix.i18n import _

if TYPE_CHECKING:
    from cix.settings import Settings

app = typer.Typer()


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on (0 picks a free one)."),
    demo: bool = typer.Option(False, "--demo", help="Load generated demo declarations first (idempotent)."),
    home: Path | None = HomeOption,
) -> None:
    """Serve the node's HTTP API and console (sign-in at /, OpenAPI documentation at /docs)."""
    from cix.api.app import create_app
    from cix.cli.common import err_console
    from cix.settings import load_settings

    try:
        settings = load_settings(home)
        if demo:
            from cix.pipeline.demo import load_demo

            summary = load_demo(settings)
            err_console().print(_("demo data: {s}").format(s=summary))
        application = create_app(settings, lodge_process=True)
    except CixError as exc:
        fail_from(exc)
    run_server(settings, host, port, application)


def run_server(settings: Settings, host: str, port: int, application: Any = None) -> None:
    """Serve until Ctrl-C, printing the address (``http://127.0.0.1:PORT/``) once listening."""
    import threading
    import time

    import uvicorn

    if application is None:
        from cix.api.app import create_app

        application = create_app(settings, lodge_process=True)
    tls: dict[str, Any] = {}
    if settings.tls_cert and settings.tls_key:
        import ssl

        # HTTPS with this node's certificate; with a CA bundle, partners must present a client certificate.
        tls = {"ssl_certfile": str(settings.tls_cert), "ssl_keyfile": str(settings.tls_key)}
        if settings.tls_ca:
            tls.update(ssl_ca_certs=str(settings.tls_ca), ssl_cert_reqs=ssl.CERT_REQUIRED)
    server = uvicorn.Server(uvicorn.Config(application, host=host, port=port, log_level="warning", **tls))
    from cix.cli.common import tune_gc_for_long_run

    tune_gc_for_long_run()

    def announce() -> None:
        while not server.started:
            time.sleep(0.05)
        for s in server.servers:
            for sock in s.sockets:
                addr = sock.getsockname()
                scheme = "https" if tls else "http"
                typer.echo(f"{scheme}://{addr[0]}:{addr[1]}/", err=False)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
