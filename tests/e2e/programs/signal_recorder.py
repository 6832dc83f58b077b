#!/usr/bin/env python3
# Says "up", then says which stop signal came ("got SIGQUIT") and exits 0.
# Tests install it under a server's name (nginx) to see what pm sends it.
import signal
import sys


def got(number, frame):
    print("got", signal.Signals(number).name, flush=True)
    sys.exit(0)


for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGWINCH, signal.SIGUSR1):
    signal.signal(stop, got)
print("up", flush=True)
while True:
    signal.pause()
