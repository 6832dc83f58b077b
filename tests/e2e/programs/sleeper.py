# Says "up", its $GREETING and its arguments, then sleeps.
import os, sys, time
print('up', os.environ.get('GREETING'), sys.argv[1:], flush=True)
time.sleep(1000)
