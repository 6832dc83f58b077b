"""Helpers shared by the benchmarks: where the binaries are, PM2 installed
locally with npm, and private homes so nothing touches the user's own."""

import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PM = os.path.join(os.environ.get("PM_BIN_DIR", os.path.join(ROOT, "build")), "pm")
PM2 = os.path.join(HERE, "node_modules", ".bin", "pm2")


def ensure_tools(apt_packages=()):
    """PM2 from the npm registry into tests/bench/node_modules; load tools from Debian."""
    if not os.path.exists(PM2):
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", HERE, "pm2"],
                       check=True, stdout=subprocess.DEVNULL)
    missing = [p for p in apt_packages if shutil.which(p if p != "apache2-utils" else "ab") is None]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", *missing], check=True,
                       stdout=subprocess.DEVNULL)
    if not os.path.exists(PM):
        raise SystemExit(f"build pm first (no {PM})")


class Homes:
    """A private PM_HOME and PM2_HOME; both daemons are killed on exit."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="pm-bench-")
        self.env = dict(os.environ, PM_HOME=f"{self.dir}/pm", PM2_HOME=f"{self.dir}/pm2")
        return self

    def pm(self, *args, **kw):
        return subprocess.run([PM, *args], env=self.env, capture_output=True, text=True, **kw)

    def pm2(self, *args, **kw):
        return subprocess.run([PM2, *args], env=self.env, capture_output=True, text=True, **kw)

    def __exit__(self, *exc):
        self.pm("kill")
        self.pm2("kill")
        shutil.rmtree(self.dir, ignore_errors=True)


def memory(pid):
    """(RSS, RssAnon) in kB from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("RssAnon", 0)
