'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Store, OfflogError } = require('..');
const { tempStore } = require('./helpers/store');

test('append returns partition and offset; keys choose the partition', (t) => {
  const store = tempStore(t);
  store.createTopic('orders', 4);
  const a = store.append('orders', 'one', { key: 'customer-1' });
  const b = store.append('orders', Buffer.from('two'), { key: 'customer-1' });
  assert.equal(b.partition, a.partition);
  assert.equal(b.offset, a.offset + 1);
  const c = store.append('orders', 'three', { partition: 3 });
  assert.deepEqual(c, { partition: 3, offset: 0 });
  assert.deepEqual(store.watermarks('orders', 3), { logStart: 0, highWatermark: 1, logEnd: 1 });
});

test('appendBatch writes consecutive offsets to one partition', (t) => {
  const store = tempStore(t);
  store.createTopic('t', 2);
  store.append('t', 'first', { partition: 1 });
  const r = store.appendBatch('t', [{ value: 'a' }, { value: 'b', key: 'k' }, { value: null }],
    { partition: 1 });
  assert.deepEqual(r, { partition: 1, offset: 1, offsets: [1, 2, 3] });
  assert.equal(store.watermarks('t', 1).logEnd, 4);
});

test('describe and topics report what was created', (t) => {
  const store = tempStore(t);
  store.createTopic('b-topic', 2, { retentionMs: 60000, cleanupPolicy: 'compact' });
  store.createTopic('a-topic');
  assert.deepEqual(store.topics(), ['a-topic', 'b-topic']);
  store.append('b-topic', 'v', { key: 'k', partition: 1 });
  const d = store.describe('b-topic');
  assert.equal(d.name, 'b-topic');
  assert.equal(d.partitionCount, 2);
  assert.equal(d.config.retentionMs, 60000);
  assert.deepEqual(d.config.cleanupPolicy, ['compact']);
  assert.equal(d.partitions[1].logEnd, 1);
  assert.equal(d.partitions[1].records, 1);
  assert.equal(d.partitions[0].records, 0);
  store.deleteTopic('a-topic');
  assert.deepEqual(store.topics(), ['b-topic']);
});

test('errors carry the code, the number and the detail message', (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  assert.throws(() => store.append('missing', 'x'), (err) => {
    assert.ok(err instanceof OfflogError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'OFFLOG_ENOTOPIC');
    assert.equal(err.errno, -3);
    assert.match(err.message, /missing/);
    return true;
  });
  assert.throws(() => store.createTopic('t', 1), { code: 'OFFLOG_EEXIST', errno: -5 });
  assert.throws(() => store.createTopic('bad name!', 1), { code: 'OFFLOG_ENAME' });
  assert.throws(() => store.append('t', 'x', { partition: 7 }), (err) => {
    assert.equal(err.code, 'OFFLOG_ENOPART');
    assert.ok(err.detail.length > 0);
    return true;
  });
  assert.throws(() => store.createTopic('u', 1, { maxMessageBytes: 10, colour: 'red' }),
    TypeError);
});

test('a second handle on the same store in one process is refused', (t) => {
  const store = tempStore(t);
  assert.throws(() => Store.open(store.path), { code: 'OFFLOG_EBUSY' });
});

test('readOnly refuses writes', (t) => {
  const store = tempStore(t);
  store.createTopic('t', 1);
  store.append('t', 'x');
  const path = store.path;
  store.close();
  const ro = Store.open(path, { readOnly: true });
  try {
    assert.equal(ro.watermarks('t', 0).logEnd, 1);
    assert.throws(() => ro.append('t', 'y'), { code: 'OFFLOG_EREADONLY' });
  } finally {
    ro.close();
  }
});
