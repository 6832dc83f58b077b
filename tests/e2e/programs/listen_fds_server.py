"""An HTTP server that takes its listening socket from systemd-style
LISTEN_FDS (the fd number is its second argument) and answers with its pid
and arguments."""

import http.server
import os
import socket
import sys

assert os.environ["LISTEN_PID"] == str(os.getpid())
assert os.environ["LISTEN_FDS"] == "1"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"pid {os.getpid()} args {sys.argv[1:]}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.HTTPServer(("", 0), Handler, bind_and_activate=False)
server.socket = socket.socket(fileno=int(sys.argv[2]))
server.serve_forever()
