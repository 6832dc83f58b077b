// An HTTP server on the port given as its first argument, answering
// "pid <its pid> <$RELEASE>". It refuses to start while the file named by
// $BROKEN_FLAG exists, as a broken release would.
const http = require('http');
const fs = require('fs');
if (fs.existsSync(process.env.BROKEN_FLAG || '/nonexistent')) {
  console.error('this version is broken: cannot read config');
  process.exit(1);
}
http.createServer((req, res) => res.end(`pid ${process.pid} ${process.env.RELEASE || ''}`))
    .listen(Number(process.argv[2]));
