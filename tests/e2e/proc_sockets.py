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


def tcp_inodes(port, state):
    """The inodes of the TCP sockets (IPv6 and IPv4) on local PORT in STATE."""
    inodes = []
    for table in ("/proc/net/tcp6", "/proc/net/tcp"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
                    inodes.append(fields[9])
    return inodes


def listening_inode(port):
    """The inode of the socket listening on PORT, or None."""
    return next(iter(tcp_inodes(port, LISTEN)), None)


def holds_connection(pid, port):
    """Whether process PID holds a connection established on local PORT."""
    return not socket_inodes(pid).isdisjoint(tcp_inodes(port, ESTABLISHED))
