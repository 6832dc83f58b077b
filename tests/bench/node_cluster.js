// Node's own cluster module as the baseline: one worker per CPU running the
// script given as argument, the primary doing nothing else.
const cluster = require('cluster');
const os = require('os');
if (cluster.isPrimary) {
  for (let i = 0; i < os.availableParallelism(); i++) cluster.fork();
} else {
  require(require('path').resolve(process.argv[2]));
}
