'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { OfflogError } = require('..');
const { tempStore } = require('./helpers/store');

test('send resolves with each record\'s delivery report', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 2);
  const producer = store.producer({ lingerMs: 1 });
  const reports = await Promise.all([
    producer.send('t', 'a', { partition: 1 }),
    producer.send('t', 'b', { partition: 1 }),
    producer.send('t', 'c', { partition: 0, headers: [['h', 'v']] }),
  ]);
  assert.deepEqual(reports.map((r) => [r.topic, r.partition, r.offset]),
    [['t', 1, 0], ['t', 1, 1], ['t', 0, 0]]);
  assert.equal(reports[0].duplicate, false);
  await producer.close();
  assert.equal(store.watermarks('t', 1).logEnd, 2);
});

test('a failed record rejects with its own code and message', async (t) => {
  const store = tempStore(t);
  store.createTopic('small', 1, { maxMessageBytes: 16 });
  const producer = store.producer({ lingerMs: 1 });
  const good = producer.send('small', 'ok');
  const missing = producer.send('no-such-topic', 'x');
  const big = producer.send('small', Buffer.alloc(100));
  await assert.rejects(missing, (err) => {
    assert.ok(err instanceof OfflogError);
    assert.equal(err.code, 'OFFLOG_ENOTOPIC');
    assert.match(err.message, /no-such-topic/);
    assert.equal(err.topic, 'no-such-topic');
    return true;
  });
  await assert.rejects(big, (err) => {
    assert.equal(err.code, 'OFFLOG_ETOOBIG');
    assert.doesNotMatch(err.message, /no-such-topic/);
    return true;
  });
  assert.equal((await good).offset, 0);
  await producer.close();
});

test('flush resolves once every record is reported, without holding the loop', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 3);
  const producer = store.producer({ lingerMs: 5, queueBytes: 64 * 1024 });
  const sends = [];
  for (let i = 0; i < 5000; i++) sends.push(producer.send('t', `value-${i}`, { key: `k${i % 7}` }));
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  await producer.flush(30000);
  clearInterval(ticker);
  assert.ok(ticks > 0, 'the event loop ran while flushing');
  const reports = await Promise.all(sends);
  assert.equal(reports.length, 5000);
  const total = [0, 1, 2].reduce((n, p) => n + store.watermarks('t', p).logEnd, 0);
  assert.equal(total, 5000);
  await producer.flush();
  await producer.close();
});

test('a full queue does not block: sends wait their turn, in order', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const producer = store.producer({ lingerMs: 1, queueBytes: 2048 });
  const sends = [];
  for (let i = 0; i < 300; i++) sends.push(producer.send('t', Buffer.alloc(100, i % 256)));
  assert.ok(producer._backlog.length > 0, 'some sends found the queue full');
  const reports = await Promise.all(sends);
  assert.deepEqual(reports.map((r) => r.offset), Array.from({ length: 300 }, (_, i) => i));
  await producer.close();
});

test('close with purge rejects what was not yet written with OFFLOG_EPURGED', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const producer = store.producer({ lingerMs: 1000 });
  const send = producer.send('t', 'dropped');
  await producer.close({ purge: true });
  await assert.rejects(send, { code: 'OFFLOG_EPURGED' });
  assert.equal(store.watermarks('t', 0).logEnd, 0);
});

test('flush with nothing outstanding resolves at once; close twice is harmless', async (t) => {
  const store = tempStore(t);
  const producer = store.producer();
  await producer.flush(100);
  await producer.close();
  await producer.close();
  await assert.rejects(producer.send('t', 'x'), { code: 'OFFLOG_ESTATE' });
});

test('the store refuses to close while a producer is open', async (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  const producer = store.producer();
  assert.throws(() => store.close(), { code: 'OFFLOG_EBUSY' });
  await producer.send('t', 'still usable');
  await producer.close();
  store.close();
  assert.throws(() => store.append('t', 'x'), { code: 'OFFLOG_ESTATE' });
});
