"""An HTTP server on 127.0.0.1:PORT (its first argument) answering "pid <its pid>".

It binds the port itself, as any server would; in cluster mode pm's preload
library hands it the daemon's shared socket instead. Single-threaded on
purpose: on SIGINT it finishes the request in hand, then exits."""

import http.server
import os
import signal
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"pid {os.getpid()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever(poll_interval=0.05)
