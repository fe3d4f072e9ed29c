'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Offset } = require('..');
const { tempStore } = require('./helpers/store');

function fill(store, topic, partitions, perPartition) {
  store.createTopic(topic, partitions);
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i++) store.append(topic, `${p}:${i}`, { partition: p });
  }
}

test('poll returns copied records with keys, values and headers', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  store.append('t', 'v1', { key: 'k1', headers: { trace: 'abc', empty: null }, timestamp: 1234 });
  store.append('t', null, { key: Buffer.from([0, 1, 2]) });
  const consumer = store.consumer('g', { autoOffsetReset: 'earliest' });
  consumer.assign([{ topic: 't', partition: 0 }]);
  const records = await consumer.poll(1000);
  assert.equal(records.length, 2);
  const [a, b] = records;
  assert.equal(a.topic, 't');
  assert.equal(a.partition, 0);
  assert.equal(a.offset, 0);
  assert.equal(a.timestamp, 1234);
  assert.deepEqual(a.key, Buffer.from('k1'));
  assert.deepEqual(a.value, Buffer.from('v1'));
  assert.deepEqual(a.headers, [{ name: 'trace', value: Buffer.from('abc') },
    { name: 'empty', value: null }]);
  assert.equal(b.value, null);
  assert.deepEqual(b.key, Buffer.from([0, 1, 2]));
  // The copies outlive the next poll, which invalidates the library's records.
  store.append('t', 'v3');
  const next = await consumer.poll(1000);
  assert.deepEqual(next.map((r) => r.value.toString()), ['v3']);
  assert.deepEqual(a.value, Buffer.from('v1'));
});

test('poll waits without holding the event loop and returns [] on timeout', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const consumer = store.consumer(null);
  consumer.assign([['t', 0]]);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  const started = Date.now();
  const records = await consumer.poll(200);
  clearInterval(ticker);
  assert.deepEqual(records, []);
  assert.ok(Date.now() - started >= 190);
  assert.ok(ticks >= 10, `the event loop ran ${ticks} times`);
});

test('a waiting poll returns the record appended meanwhile', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const consumer = store.consumer(null);
  consumer.assign([['t', 0]]);
  consumer.seek('t', 0, 'end');
  setTimeout(() => store.append('t', 'late'), 50);
  const records = await consumer.poll(5000);
  assert.deepEqual(records.map((r) => r.value.toString()), ['late']);
});

test('commit and committed: the next offset to read, resumed after reopening', async (t) => {
  const store = tempStore(t);
  fill(store, 't', 2, 5);
  let consumer = store.consumer('g', { autoOffsetReset: 'earliest', enableAutoCommit: false });
  consumer.assign([['t', 0], ['t', 1]]);
  assert.equal(consumer.committed('t', 0), null);
  const records = await consumer.poll(1000);
  assert.equal(records.length, 10);
  await consumer.commit();
  assert.equal(consumer.committed('t', 0).offset, 5);
  await consumer.commit([{ topic: 't', partition: 1, offset: 2, metadata: 'half' }]);
  const c1 = consumer.committed('t', 1);
  assert.equal(c1.offset, 2);
  assert.equal(c1.metadata, 'half');
  assert.ok(c1.commitTimeMs > 0);
  await consumer.commit(records[0]); // a record: up to and including it
  assert.equal(store.committed('g', 't', 0).offset, 1);
  await assert.rejects(consumer.commit([{ topic: 't', partition: 0, offset: 99 }]),
    { code: 'OFFLOG_ERANGE' });
  consumer.close();
  consumer = store.consumer('g', { autoOffsetReset: 'latest' });
  consumer.assign([['t', 0], ['t', 1]]);
  assert.equal(consumer.position('t', 0), 1);
  assert.equal(consumer.position('t', 1), 2);
  const again = await consumer.poll(1000);
  assert.equal(again.length, 4 + 3);
  assert.equal(store.committed('nobody', 't', 0), null);
});

test('seek and position', async (t) => {
  const store = tempStore(t);
  fill(store, 't', 1, 10);
  const consumer = store.consumer(null, { autoOffsetReset: 'earliest', maxPollRecords: 3 });
  consumer.assign([['t', 0]]);
  assert.equal(consumer.position('t', 0), 0);
  consumer.seek('t', 0, 6);
  assert.equal(consumer.position('t', 0), 6);
  let records = await consumer.poll(1000);
  assert.deepEqual(records.map((r) => r.offset), [6, 7, 8]);
  assert.equal(consumer.position('t', 0), 9);
  consumer.seek('t', 0, 'beginning');
  records = await consumer.poll(1000);
  assert.equal(records[0].offset, 0);
  consumer.seek('t', 0, { tail: 2 });
  assert.equal(consumer.position('t', 0), 8);
  consumer.seek('t', 0, Offset.tail(4));
  assert.equal(consumer.position('t', 0), 6);
  consumer.seek('t', 0, 'end');
  assert.equal(consumer.position('t', 0), 10);
  assert.throws(() => consumer.seek('t', 0, -5), { code: 'OFFLOG_EOFFSET' });
  assert.throws(() => consumer.position('t', 1), { code: 'OFFLOG_ESTATE' });
});

test('pause and resume keep the position', async (t) => {
  const store = tempStore(t);
  fill(store, 't', 2, 3);
  const consumer = store.consumer(null, { autoOffsetReset: 'earliest' });
  consumer.assign([['t', 0], ['t', 1]]);
  consumer.pause([['t', 0]]);
  let records = await consumer.poll(1000);
  assert.deepEqual([...new Set(records.map((r) => r.partition))], [1]);
  assert.deepEqual(await consumer.poll(0), []);
  consumer.resume([{ topic: 't', partition: 0 }]);
  records = await consumer.poll(1000);
  assert.deepEqual(records.map((r) => [r.partition, r.offset]), [[0, 0], [0, 1], [0, 2]]);
  assert.throws(() => consumer.pause([['t', 5]]), { code: 'OFFLOG_ESTATE' });
});

test('lag: committed and position views, null while unknown', async (t) => {
  const store = tempStore(t);
  fill(store, 't', 1, 8);
  const consumer = store.consumer('g', { autoOffsetReset: 'earliest', maxPollRecords: 5 });
  consumer.assign([['t', 0]]);
  assert.equal(consumer.lag('t', 0).lag, null);
  await consumer.poll(1000);
  assert.deepEqual(consumer.lag('t', 0), { lag: null, positionLag: 3 });
  await consumer.commit();
  assert.deepEqual(consumer.lag('t', 0), { lag: 3, positionLag: 3 });
});

test('reset policy none fails the poll with the range in the message', async (t) => {
  const store = tempStore(t);
  fill(store, 't', 1, 3);
  const consumer = store.consumer('g', { autoOffsetReset: 'none' });
  consumer.assign([['t', 0]]);
  await assert.rejects(consumer.poll(100), { code: 'OFFLOG_ENOOFFSET' });
  consumer.seek('t', 0, 50);
  await assert.rejects(consumer.poll(100), (err) => {
    assert.equal(err.code, 'OFFLOG_ERANGE');
    assert.match(err.message, /\[0, 3\]/);
    return true;
  });
});

test('wakeup makes a pending poll reject at once with OFFLOG_EWAKEUP', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const consumer = store.consumer(null);
  consumer.assign([['t', 0]]);
  const started = Date.now();
  setTimeout(() => consumer.wakeup(), 50);
  await assert.rejects(consumer.poll(-1), { code: 'OFFLOG_EWAKEUP', errno: -33 });
  assert.ok(Date.now() - started < 2000);
  // The next poll is a normal one.
  store.append('t', 'after');
  const records = await consumer.poll(1000);
  assert.equal(records.length, 1);
  // A wakeup with no poll pending interrupts the next one.
  consumer.wakeup();
  await assert.rejects(consumer.poll(1000), { code: 'OFFLOG_EWAKEUP' });
});

test('async iteration yields every record in order and ends at wakeup', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const consumer = store.consumer(null, { autoOffsetReset: 'earliest', maxPollRecords: 4 });
  consumer.assign([['t', 0]]);
  const producer = store.producer({ lingerMs: 1 });
  const sent = [];
  for (let i = 0; i < 10; i++) sent.push(producer.send('t', `r${i}`));
  await Promise.all(sent);
  await producer.close();
  const seen = [];
  for await (const record of consumer) {
    seen.push(record.value.toString());
    if (seen.length === 10) setTimeout(() => consumer.wakeup(), 20);
  }
  assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => `r${i}`));
});

test('close order: the store refuses to close before its consumers', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const consumer = store.consumer('g');
  consumer.assign([['t', 0]]);
  assert.throws(() => store.close(), { code: 'OFFLOG_EBUSY' });
  assert.equal(store.closed, false);
  const pending = consumer.poll(-1);
  consumer.close();
  assert.deepEqual(await pending, []);
  consumer.close();
  assert.throws(() => consumer.position('t', 0), { code: 'OFFLOG_ESTATE' });
  await assert.rejects(consumer.poll(0), { code: 'OFFLOG_ESTATE' });
  store.close();
  assert.equal(store.closed, true);
  assert.throws(() => store.consumer('g'), { code: 'OFFLOG_ESTATE' });
});
