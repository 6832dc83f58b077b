// Node's own cluster module as the baseline: one worker per CPU running the
// script given as argument, the primary doing nothing else. The primary
// prints "N workers listening" once every worker listens, so the benchmark
// loads it complete, and exits if a worker dies before that, so a cluster
// that cannot start is an error rather than a wait.
const cluster = require('cluster');
const os = require('os');
if (cluster.isPrimary) {
  const workers = os.availableParallelism();
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) console.log(`${workers} workers listening`);
  });
  cluster.on('exit', () => {
    if (listening < workers) process.exit(1);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  require(require('path').resolve(process.argv[2]));
}
