const workerpool = require('workerpool');
workerpool.worker({ inc: (x) => x + 1 });
