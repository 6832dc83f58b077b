"""Real servers from Debian as benchmarks run them: the same hello world
("hello world\\n", 200) in gunicorn, uvicorn, nginx, puma and Node; how pm
starts each with 2 instances, the signal that stops each gracefully, and
each server's own 2-worker cluster with its own rolling restart (gunicorn
and uvicorn: `kill -HUP` of a gunicorn master; nginx: `nginx -s reload`;
puma: the phased restart `kill -USR1` in cluster mode)."""

import os
import signal
import subprocess
import time

from common import ROOT, children, wait_port

WSGI = '''def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "12")])
    return [b"hello world\\n"]
'''
ASGI = '''async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"12")]})
    await send({"type": "http.response.body", "body": b"hello world\\n"})
'''
RACK = '''run ->(env) { [200, { "Content-Type" => "text/plain", "Content-Length" => "12" },
               ["hello world\\n"]] }
'''
NGINX = '''daemon off;
master_process on;
worker_processes {workers};
error_log stderr;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "hello world\\n"; }}
    }}
}}
'''
# The versions a benchmark header prints: (name, command, pattern).
VERSIONS = [("gunicorn", ["/usr/bin/gunicorn", "--version"], r"version ([0-9.]+)"),
            ("uvicorn", ["/usr/bin/uvicorn", "--version"], r"uvicorn ([0-9.]+)"),
            ("nginx", ["nginx", "-v"], r"nginx/([0-9.]+)"),
            ("puma", ["puma", "--version"], r"version ([0-9.]+)")]


class Own:
    """A server's own 2-worker cluster, started on its own (no manager):
    `reload()` is its rolling restart, `workers()` the pids serving."""

    def __init__(self, command, reload, cwd):
        self.proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.reload_command = reload
        self.retired = set()  # workers replaced so far, maybe still finishing

    def workers(self):
        return children(self.proc.pid)

    def wait_workers(self, port, replacing=(), deadline=150):
        """The 2 worker pids once 2 run that are neither among `replacing`
        nor replaced before (workers a rolling restart replaced may still be
        finishing their connections: the server's own graceful stop, as pm's
        drain) and the port answers; on start-up, exactly 2."""
        self.retired |= set(replacing)
        end = time.monotonic() + deadline
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.proc.args[0]} exited ({self.proc.returncode})")
            pids = self.workers() - self.retired
            if len(pids) == 2 and (replacing or len(self.workers()) == 2):
                wait_port(port)
                return pids
            if time.monotonic() > end:
                raise SystemExit(f"{self.proc.args[0]}: not 2 new workers after {deadline} s: "
                                 f"{sorted(pids)} (replacing {sorted(replacing)})")
            time.sleep(0.05)

    def reload(self):
        if isinstance(self.reload_command, int):
            os.kill(self.proc.pid, self.reload_command)
        else:
            subprocess.run(self.reload_command, check=True, capture_output=True)

    def stop(self):
        """Ends the whole server, workers too."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


class Server:
    """`name`: how tables call it; `graceful`: the stop signal the server
    documents as graceful (None: Node, which pm stops by the cluster
    disconnect); `own_label`: its own rolling restart."""

    def __init__(self, name, graceful, own_label):
        self.name, self.graceful, self.own_label = name, graceful, own_label

    def files(self, d, port):
        os.makedirs(d, exist_ok=True)
        if self.name in ("gunicorn", "uvicorn"):
            with open(f"{d}/{'app' if self.name == 'gunicorn' else 'asgiapp'}.py", "w") as f:
                f.write(WSGI if self.name == "gunicorn" else ASGI)
        elif self.name == "puma":
            with open(f"{d}/config.ru", "w") as f:
                f.write(RACK)
        elif self.name == "nginx":
            os.makedirs(f"{d}/tmp", exist_ok=True)
            os.makedirs(f"{d}/logs", exist_ok=True)
            for workers, conf in ((1, "pm.conf"), (2, "own.conf")):
                with open(f"{d}/{conf}", "w") as f:
                    f.write(NGINX.format(workers=workers, dir=d, port=port))
        elif self.name == "node":
            with open(f"{d}/hello.js", "w") as f:
                f.write(open(os.path.join(ROOT, "examples", "hello.js")).read()
                        .replace("|| 8081", f"|| {port}"))

    def pm_start(self, d, port):
        """What follows `pm start` (or `pm2 start` for Node) for 2 instances."""
        listen = ["--listen", f"127.0.0.1:{port}", "-i", "2"]
        return {
            "gunicorn": ["/usr/bin/gunicorn", *listen, "--", "--chdir", d, "app:app"],
            "uvicorn": ["/usr/bin/uvicorn", *listen, "--", "--fd", "3", "--app-dir", d,
                        "asgiapp:app"],
            "nginx": ["nginx", "-i", "2", "--", "-p", d, "-c", f"{d}/pm.conf"],
            "puma": ["puma", *listen, "--", "-b", f"tcp://127.0.0.1:{port}", f"{d}/config.ru"],
            "node": [f"{d}/hello.js", "-i", "2"],
        }[self.name]

    def own(self, d, port):
        """The server's own 2-worker cluster (not for Node: see PM2)."""
        bind = f"127.0.0.1:{port}"
        if self.name == "gunicorn":
            return Own(["/usr/bin/gunicorn", "-w", "2", "-b", bind, "--chdir", d, "app:app"],
                       signal.SIGHUP, d)
        if self.name == "uvicorn":
            return Own(["/usr/bin/gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-w", "2",
                        "-b", bind, "--chdir", d, "asgiapp:app"], signal.SIGHUP, d)
        if self.name == "nginx":
            conf = ["-p", d, "-c", f"{d}/own.conf"]
            return Own(["nginx", *conf], ["nginx", *conf, "-s", "reload"], d)
        if self.name == "puma":
            return Own(["puma", "-w", "2", "-b", f"tcp://{bind}", f"{d}/config.ru"],
                       signal.SIGUSR1, d)
        raise ValueError(self.name)


SERVERS = [Server("node", None, "PM2 reload"),
           Server("gunicorn", "SIGTERM", "gunicorn -w 2, kill -HUP"),
           Server("uvicorn", "SIGTERM", "gunicorn -k UvicornWorker -w 2, kill -HUP"),
           Server("nginx", "SIGQUIT", "nginx -s reload"),
           Server("puma", "SIGTERM", "puma -w 2, kill -USR1 (phased)")]
