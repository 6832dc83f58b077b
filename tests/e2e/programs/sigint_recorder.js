// A Node app that shuts down on SIGINT as PM2's documentation shows: its
// handler appends "sigint <pid>" to the file named by its first argument,
// does 200 ms of asynchronous work, appends "done <pid>" and exits. With a
// port as its second argument it serves HTTP there, and the server is all
// that keeps it alive; without one, a timer does.
'use strict';
const fs = require('fs');
const http = require('http');

const [record, port] = process.argv.slice(2);
if (port) {
  http.createServer((req, res) => res.end(`pid ${process.pid}`)).listen(Number(port));
} else {
  setInterval(() => {}, 1000);
}
process.on('SIGINT', () => {
  fs.appendFileSync(record, `sigint ${process.pid}\n`);
  setTimeout(() => {
    fs.appendFileSync(record, `done ${process.pid}\n`);
    process.exit(0);
  }, 200);
});
