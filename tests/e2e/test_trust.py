"""pm talks only to its owner's pmd: a socket that another user planted, or
could plant, never gets a request (which carries the environment, secrets
included). Tried as a second, hostile local user would."""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

from harness import PM, PmTestCase, main

OTHER_USER = "pm-e2e-other"

# Listens on a Unix socket as the hostile user would, records every byte a
# client sends, and answers like a pmd with a fake empty process table.
PLANTED_SERVER = r"""
import os, socket, sys
path, record, uid = sys.argv[1], sys.argv[2], int(sys.argv[3])
server = socket.socket(socket.AF_UNIX)
server.bind(path)
os.chmod(path, 0o777)
if os.getuid() != uid:
    os.setgid(uid)
    os.setuid(uid)
server.listen(8)  # the credentials a client sees are the ones listen() had
print("listening", flush=True)
while True:
    client, _ = server.accept()
    data = client.recv(1 << 20)
    if data:
        with open(record, "ab") as f:
            f.write(data)
        client.sendall(b'{"ok":true,"processes":[]}\n')
    client.close()
"""


def other_uid():
    """The uid of a second local user, created if missing; None when this
    test cannot create one (not root, or no useradd)."""
    try:
        return pwd.getpwnam(OTHER_USER).pw_uid
    except KeyError:
        pass
    if os.geteuid() != 0 or not shutil.which("useradd"):
        return None
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    OTHER_USER], check=True, capture_output=True)
    return pwd.getpwnam(OTHER_USER).pw_uid


class TrustTest(PmTestCase):
    def setUp(self):
        super().setUp()
        self.env["PM_TEST_SECRET"] = "hunter2"
        self.servers = []
        self.shared = []  # directories outside our private tmp, removed in tearDown

    def tearDown(self):
        for server in self.servers:
            server.kill()
            server.wait()
            server.stdout.close()
        for path in self.shared:
            shutil.rmtree(path, ignore_errors=True)
        super().tearDown()

    def need_other_user(self):
        uid = other_uid()
        if uid is None:
            self.skipTest(f"needs root to create a second user ({OTHER_USER}); running as uid "
                          f"{os.geteuid()}")
        return uid

    def shared_dir(self, uid, mode=0o755):
        """A directory in /tmp that belongs to `uid`, as one they made would."""
        path = tempfile.mkdtemp(prefix="pm-e2e-shared-", dir="/tmp")
        self.shared.append(path)
        os.chown(path, uid, uid)
        os.chmod(path, mode)
        return path

    def plant(self, socket_path, uid):
        """A fake pmd at socket_path, run as uid; returns the file where it
        records what it receives."""
        record = os.path.join(self.tmp, "received")
        server = subprocess.Popen([sys.executable, "-c", PLANTED_SERVER, socket_path, record,
                                   str(uid)], stdout=subprocess.PIPE, text=True)
        self.servers.append(server)
        self.assertEqual(server.stdout.readline().strip(), "listening")
        return record

    def assert_refused(self, record, *reasons):
        result = self.pm("start", "/bin/sleep", "--name", "secret", "--", "1000", check=False)
        self.assertNotEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("refusing", result.stderr)
        for reason in reasons:
            self.assertIn(reason, result.stderr)
        listed = self.pm("list", check=False)
        self.assertNotEqual(listed.returncode, 0, "a fake process table was shown")
        self.assertFalse(os.path.exists(record) and os.path.getsize(record) > 0,
                         "the planted socket received a request")

    def test_a_socket_planted_in_a_home_another_user_made_gets_nothing(self):
        uid = self.need_other_user()
        self.home = self.shared_dir(uid, 0o777)
        self.env["PM_HOME"] = self.home
        record = self.plant(os.path.join(self.home, "pm.sock"), uid)
        self.assert_refused(record, f"belongs to user {OTHER_USER}")

    def test_a_home_under_a_directory_another_user_owns_is_refused(self):
        uid = self.need_other_user()
        parent = self.shared_dir(uid, 0o777)
        self.home = os.path.join(parent, "home")
        os.mkdir(self.home, 0o700)  # ours, but the owner of parent can swap it
        self.env["PM_HOME"] = self.home
        record = self.plant(os.path.join(self.home, "pm.sock"), os.geteuid())
        self.assert_refused(record, parent, f"belongs to user {OTHER_USER}")
        self.assertIsNone(self.daemon_pid())

    def test_a_symbolic_link_another_user_planted_is_refused(self):
        uid = self.need_other_user()
        target = self.shared_dir(uid, 0o777)
        record = self.plant(os.path.join(target, "pm.sock"), uid)
        link = os.path.join(self.shared_dir(0, 0o755), "home")
        os.symlink(target, link)
        os.lchown(link, uid, uid)
        self.env["PM_HOME"] = link
        self.assert_refused(record, f"belongs to user {OTHER_USER}")

    def test_a_socket_served_by_another_user_in_our_home_gets_nothing(self):
        uid = self.need_other_user()
        os.mkdir(self.home, 0o700)
        record = self.plant(os.path.join(self.home, "pm.sock"), uid)
        self.assert_refused(record, f"served by uid {uid}")

    def test_a_home_others_can_write_is_refused(self):
        parent = os.path.join(self.tmp, "open")
        os.mkdir(parent)
        os.chmod(parent, 0o777)
        self.env["PM_HOME"] = os.path.join(parent, "home")
        result = self.pm("ping", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"refusing to use {parent}: others can write to it", result.stderr)
        self.assertFalse(os.path.exists(self.env["PM_HOME"]), "pm created a home there")

    def test_a_private_home_under_tmp_works(self):
        self.pm("start", "/bin/sleep", "--name", "nap", "--", "1000")
        self.wait_ready("nap")


if __name__ == "__main__":
    main()
