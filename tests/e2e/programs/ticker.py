# Prints "tick N", one line every 50 ms, forever.
import time
i = 0
while True:
    print(f'tick {i}', flush=True)
    i += 1
    time.sleep(0.05)
