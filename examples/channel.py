"""A Python instance that receives `pm send` messages on $PM_CHANNEL_FD
(one JSON value per line) and can send its own (a line "ready" is the ready
signal for --wait-ready). Run: pm start examples/channel.py --wait-ready, then
pm send channel '{"greeting": "hi"}' and see it in pm logs channel."""

import json
import os
import socket

channel = socket.socket(fileno=int(os.environ["PM_CHANNEL_FD"]))
channel.sendall(b'"ready"\n')
for line in channel.makefile("r"):
    message = json.loads(line)
    print("got", json.dumps(message, sort_keys=True), flush=True)
    if message == "shutdown":
        break
