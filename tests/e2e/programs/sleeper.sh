#!/bin/sh
# Says "up" with the variables pm gives every instance, then sleeps.
echo "up $PM_ID $NODE_APP_INSTANCE $PM_APP_NAME $GREETING"
exec sleep 1000
