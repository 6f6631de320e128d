"""Serve the built book and its in-browser site on this computer only: `make serve`.

Usage: .venv/bin/python tools/lite/serve.py [--port 8000] [--dir _build/html]

JupyterLite does not run from file:// (browsers block its scripts there), so the book's "JupyterLite"
buttons and "open in the browser" links need any HTTP server; this one listens on 127.0.0.1 only and knows
the content types JupyterLite needs. The tests use `Server` the same way, on a free port of their own.
"""
import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, quiet, with the content types JupyterLite and Pyodide expect."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
        ".json": "application/json", ".ipynb": "application/json", ".whl": "application/octet-stream",
    }

    def __init__(self, *args, log=None, **kwargs):
        self._log = log
        super().__init__(*args, **kwargs)

    def log_request(self, code="-", size="-"):
        if self._log is not None:
            self._log.append((int(code) if str(code).isdigit() else 0, self.path))

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """Threads die with the server; a browser closing a connection mid-file is not an error worth printing."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Server:
    """A threaded static server of `root` on 127.0.0.1 (`port` 0: a free port), usable as a context manager.

    ``requests`` lists (status, path) of every request served, and ``sent`` the bytes of file bodies sent.
    """

    def __init__(self, root, port=0):
        self.root = Path(root)
        self.requests = []
        self.sent = 0
        server = self

        class Counting(Handler):
            def copyfile(self, source, outputfile):
                data = source.read()
                outputfile.write(data)
                server.sent += len(data)

        handler = functools.partial(Counting, directory=str(root), log=self.requests)
        self.httpd = QuietServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0: any free)")
    parser.add_argument("--dir", type=Path, default=REPO / "_build" / "html", help="folder to serve")
    args = parser.parse_args()
    if not (args.dir / "index.html").is_file():
        sys.exit(f"{args.dir}/index.html not found: build the book first (make book)")
    try:
        server = Server(args.dir, args.port)
    except OSError as err:
        sys.exit(f"cannot listen on 127.0.0.1:{args.port} ({err.strerror}); try: make serve PORT=8001")
    print(f"Serving {args.dir} at {server.url} (this computer only); Ctrl+C stops.", flush=True)
    print(f"  the book: {server.url}index.html    in the browser: {server.url}lite/lab/index.html", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
