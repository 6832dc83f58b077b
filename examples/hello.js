// The smallest useful web server: answers every request at once.
// pm start examples/hello.js -i max  serves :8081 from one instance per CPU.
const http = require('http');
const port = Number(process.env.PORT) || 8081;
http.createServer((req, res) => res.end('hello world\n')).listen(port, () => {
  console.log(`hello listening on ${port} (pid ${process.pid})`);
});
