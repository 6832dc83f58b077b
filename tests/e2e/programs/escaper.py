# Starts three processes that leave the instance's process group, the ways
# daemons do: a child that calls setsid, a child that calls setpgid, and a
# double-forked daemon (its parent exits, so it is re-parented). Writes their
# pids to escaped-<own pid> in the directory given, then sleeps.
import os
import sys
import time


def child(prepare):
    pid = os.fork()
    if pid == 0:
        prepare()
        time.sleep(1000)
        os._exit(0)
    return pid


pids = [child(os.setsid), child(lambda: os.setpgid(0, 0))]
read_end, write_end = os.pipe()
middle = os.fork()
if middle == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(write_end, str(os.getpid()).encode())
        time.sleep(1000)
    os._exit(0)
os.waitpid(middle, 0)
pids.append(int(os.read(read_end, 32)))
path = os.path.join(sys.argv[1], f"escaped-{os.getpid()}")
with open(path + ".tmp", "w") as f:
    f.write(" ".join(map(str, pids)))
os.rename(path + ".tmp", path)
print("escaped", pids, flush=True)
time.sleep(1000)
