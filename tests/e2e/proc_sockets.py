"""Which TCP sockets there are and which processes hold them, read from /proc."""

import os

LISTEN = "0A"
ESTABLISHED = "01"


def socket_inodes(pid):
    """The inodes of the sockets process PID has open."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def tcp_inodes(port, state, unread=None):
    """The inodes of the TCP sockets (IPv6 and IPv4) on local PORT in STATE;
    with unread=False, only those whose receive queue is empty (whatever
    arrived has been read)."""
    inodes = []
    for table in ("/proc/net/tcp6", "/proc/net/tcp"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].split(":")[1], 16) != port or fields[3] != state:
                    continue
                if unread is not None and (int(fields[4].split(":")[1], 16) > 0) != unread:
                    continue
                inodes.append(fields[9])
    return inodes


def listening_inode(port):
    """The inode of the socket listening on PORT, or None."""
    return next(iter(tcp_inodes(port, LISTEN)), None)


def holds_connection(pid, port):
    """Whether process PID holds a connection established on local PORT."""
    return not socket_inodes(pid).isdisjoint(tcp_inodes(port, ESTABLISHED))


def requests_read(port, pids):
    """How many connections on local PORT the processes PIDS have accepted and
    read all that arrived on (on loopback, a request sent has arrived)."""
    held = set()
    for pid in pids:
        try:
            held |= socket_inodes(pid)
        except OSError:
            pass  # it exited meanwhile
    return len(held.intersection(tcp_inodes(port, ESTABLISHED, unread=False)))
