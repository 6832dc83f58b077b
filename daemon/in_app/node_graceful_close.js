// Loaded into Node.js instances by pm (NODE_OPTIONS=--require): the app's
// half of a graceful close.
//
// An HTTP server's close() becomes gentle with kept-alive connections:
// instead of closing the idle ones at once (where a request the client is
// sending at that instant fails), the server stops accepting, answers every
// further request on them with "Connection: close", and closes what is still
// idle after a grace period. Nothing changes until the server is closed, as
// in a rolling reload (the cluster disconnect) or a graceful stop.
//
// pmd stops a worker with the cluster disconnect, which closes its servers
// and then its channel, and sends the stop signal ($PM_KILL_SIGNAL) once the
// channel has closed. An app that handles that signal expects to see it, as
// under PM2: it is kept up until the signal has come, even when its servers
// were all that kept it alive.
'use strict';
const http = require('http');
const net = require('net');

const GRACE_MS = 1000;
const closing = Symbol('pm closing');

http.Server.prototype.close = function close(callback) {
  if (!this[closing]) {
    this[closing] = true;
    this.prependListener('request', (req, res) => res.setHeader('Connection', 'close'));
    setTimeout(() => this.closeIdleConnections(), GRACE_MS).unref();
  }
  return net.Server.prototype.close.call(this, callback);
};

const stopSignal = process.env.PM_KILL_SIGNAL;
if (stopSignal && require('cluster').isWorker) {
  process.once('disconnect', () => {
    if (process.listenerCount(stopSignal) === 0) return;
    const awaitSignal = setInterval(() => {}, 60 * 60 * 1000);
    process.prependOnceListener(stopSignal, () => clearInterval(awaitSignal));
  });
}
