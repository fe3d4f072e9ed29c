'use strict';

// One member of a consumer group, in its own process (a store is opened once
// per process). Reports its assignment and the records it reads to the
// parent; on 'stop' it commits, closes and exits.

const { Store } = require('../..');

async function main() {
  const [dir, group, topic] = process.argv.slice(2);
  const store = Store.open(dir);
  const consumer = store.consumer(group, {
    autoOffsetReset: 'earliest', enableAutoCommit: false, heartbeatIntervalMs: 100,
    sessionTimeoutMs: 10000,
  });
  process.on('message', (m) => {
    if (m === 'stop') consumer.wakeup();
  });
  consumer.subscribe([topic]);
  let last = '';
  for (;;) {
    let records;
    try {
      records = await consumer.poll(100);
    } catch (err) {
      if (err.code === 'OFFLOG_EWAKEUP') break;
      throw err;
    }
    const owned = consumer.assignment().map((p) => p.partition).sort();
    if (JSON.stringify(owned) !== last) {
      last = JSON.stringify(owned);
      process.send({ assignment: owned });
    }
    if (records.length) {
      process.send({ records: records.map((r) => [r.partition, r.offset, r.value.toString()]) });
      await consumer.commit();
    }
  }
  consumer.close();
  store.close();
  process.send({ closed: true });
  process.disconnect();
}

main().catch((err) => {
  process.send({ error: `${err.code || ''} ${err.message}` });
  process.exit(1);
});
