'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Transaction } = require('..');
const { tempStore } = require('./helpers/store');

test('a committed transaction makes appends and offsets visible together', (t) => {
  const store = tempStore(t);
  store.createTopic('in', 1);
  store.createTopic('out', 2);
  const result = store.transaction((txn) => {
    assert.ok(txn instanceof Transaction);
    const a = txn.append('out', 'x', { partition: 0 });
    const b = txn.append('out', 'y', { partition: 1, key: 'k' });
    // Nothing is visible before the commit.
    assert.equal(store.watermarks('out', 0).logEnd, 0);
    txn.commitOffsets('g', [{ topic: 'in', partition: 0, offset: 0, metadata: 'm' }]);
    return [a, b];
  });
  assert.deepEqual(result, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }]);
  assert.equal(store.watermarks('out', 0).logEnd, 1);
  assert.equal(store.watermarks('out', 1).logEnd, 1);
  assert.equal(store.committed('g', 'in', 0).metadata, 'm');
});

test('an exception aborts the transaction: nothing of it happened', (t) => {
  const store = tempStore(t);
  store.createTopic('out', 1);
  assert.throws(() => store.transaction((txn) => {
    txn.append('out', 'lost');
    txn.commitOffsets('g', [{ topic: 'out', partition: 0, offset: 0 }]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(store.watermarks('out', 0).logEnd, 0);
  assert.equal(store.committed('g', 'out', 0), null);
  // The store takes writes again.
  assert.equal(store.append('out', 'kept').offset, 0);
});

test('consume, transform, produce and commit in one transaction', async (t) => {
  const store = tempStore(t);
  store.createTopic('in', 1);
  store.createTopic('out', 1);
  for (let i = 0; i < 3; i++) store.append('in', `n${i}`);
  const consumer = store.consumer('etl', { autoOffsetReset: 'earliest', enableAutoCommit: false });
  consumer.assign([['in', 0]]);
  const records = await consumer.poll(1000);
  assert.equal(records.length, 3);
  const txn = store.transaction();
  for (const r of records) txn.append('out', r.value.toString().toUpperCase());
  txn.commitConsumer(consumer);
  // This thread's own writes wait for the transaction: refused meanwhile.
  assert.throws(() => store.append('out', 'x'), { code: 'OFFLOG_ETXN' });
  assert.throws(() => store.transaction(), { code: 'OFFLOG_ETXN' });
  txn.commit();
  assert.equal(txn.open, false);
  assert.throws(() => txn.append('out', 'late'), { code: 'OFFLOG_ETXN' });
  assert.equal(consumer.committed('in', 0).offset, 3);
  assert.equal(store.watermarks('out', 0).logEnd, 3);

  const aborted = store.transaction();
  aborted.append('out', 'gone');
  aborted.abort();
  aborted.abort();
  assert.equal(store.watermarks('out', 0).logEnd, 3);
});

test('a transaction fails with the code of the failing call and stays usable', (t) => {
  const store = tempStore(t);
  store.createTopic('out', 1);
  store.transaction((txn) => {
    assert.throws(() => txn.append('missing', 'x'), { code: 'OFFLOG_ENOTOPIC' });
    assert.throws(() => txn.commitOffsets('g', [{ topic: 'out', partition: 0, offset: 5 }]),
      { code: 'OFFLOG_ERANGE' });
    txn.append('out', 'ok');
  });
  assert.equal(store.watermarks('out', 0).logEnd, 1);
});

test('the store refuses to close while a transaction is open', (t) => {
  const store = tempStore(t);
  const txn = store.transaction();
  assert.throws(() => store.close(), { code: 'OFFLOG_EBUSY' });
  txn.abort();
});
