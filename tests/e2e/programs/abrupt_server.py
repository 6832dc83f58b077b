"""An HTTP server on 127.0.0.1:PORT answering "pid <its pid>" from a thread
per connection, whose shutdown is as bad as a shutdown gets: on SIGINT or
SIGTERM it exits at once, dropping every connection it holds, accepted or
not yet read. Only an instance that gets no new connection before it is
told to stop loses nothing."""

import http.server
import os
import signal
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = f"pid {os.getpid()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


signal.signal(signal.SIGINT, lambda *_: os._exit(0))
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
server.serve_forever(poll_interval=0.05)
