// Loaded into Node.js instances by pm (NODE_OPTIONS=--require). It makes an
// HTTP server's close() gentle with kept-alive connections: instead of
// closing the idle ones at once (where a request the client is sending at
// that instant fails), the server stops accepting, answers every further
// request on them with "Connection: close", and closes what is still idle
// after a grace period. Nothing changes until the server is closed, as in a
// rolling reload (the cluster disconnect) or a graceful stop.
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
