// The classic cluster broadcast: every instance keeps the value the primary
// sends. Run it with `pm start examples/users_count.js -i 2`, then
// `pm send users_count '{"usersCount":25}'`: every instance answers 25.
const http = require('http');
const port = Number(process.env.PORT) || 8082;
let usersCount = 0;
process.on('message', (message) => {
  if (message && message.usersCount !== undefined) usersCount = message.usersCount;
});
http.createServer((req, res) => {
  res.end(`users: ${usersCount} (pid ${process.pid})\n`);
}).listen(port, () => console.log(`users_count listening on ${port}`));
