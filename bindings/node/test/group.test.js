'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { fork } = require('child_process');
const { tempStore } = require('./helpers/store');

const PARTITIONS = 4;
const RECORDS = 40;

function startMember(dir) {
  const child = fork(path.join(__dirname, 'helpers', 'member.js'), [dir, 'workers', 'jobs']);
  const member = { child, assignment: [], records: [], closed: false, listeners: [] };
  child.on('message', (m) => {
    if (m.error) member.error = m.error;
    if (m.assignment) member.assignment = m.assignment;
    if (m.records) member.records.push(...m.records);
    if (m.closed) member.closed = true;
    for (const l of member.listeners) l();
  });
  child.on('exit', (code) => {
    member.exitCode = code;
    for (const l of member.listeners) l();
  });
  return member;
}

// Resolve when pred() holds, re-checked at each message of the members.
function until(members, pred, what, ms = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ` +
      JSON.stringify(members.map((m) => [m.assignment, m.records.length, m.error])))), ms);
    const check = () => {
      const failed = members.find((m) => m.error);
      if (failed) {
        clearTimeout(timer);
        reject(new Error(failed.error));
      } else if (pred()) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const m of members) m.listeners.push(check);
    check();
  });
}

test('two processes in one group share the partitions and commit', async (t) => {
  const store = tempStore(t);
  store.createTopic('jobs', PARTITIONS);
  const members = [startMember(store.path), startMember(store.path)];
  t.after(() => members.forEach((m) => m.exitCode === undefined && m.child.kill('SIGKILL')));

  // Both own two partitions, and no partition is owned twice.
  await until(members, () => members.every((m) => m.assignment.length === 2),
    'a balanced assignment');
  const owned = members.flatMap((m) => m.assignment).sort();
  assert.deepEqual(owned, [0, 1, 2, 3]);

  for (let i = 0; i < RECORDS; i++) store.append('jobs', `job-${i}`, { partition: i % PARTITIONS });
  await until(members, () => members.reduce((n, m) => n + m.records.length, 0) >= RECORDS,
    'every record to be read');

  // Each member read exactly the records of its own partitions.
  for (const m of members) {
    assert.ok(m.records.length > 0);
    for (const [partition] of m.records) assert.ok(m.assignment.includes(partition));
  }
  const values = members.flatMap((m) => m.records.map((r) => r[2])).sort();
  assert.equal(values.length, RECORDS);
  assert.equal(new Set(values).size, RECORDS);

  for (const m of members) m.child.send('stop');
  await until(members, () => members.every((m) => m.exitCode !== undefined), 'the members to exit');
  for (const m of members) {
    assert.equal(m.exitCode, 0);
    assert.equal(m.closed, true);
  }
  for (let p = 0; p < PARTITIONS; p++) {
    assert.equal(store.committed('workers', 'jobs', p).offset, RECORDS / PARTITIONS);
  }
});

test('rebalance callbacks run inside poll with the partitions, and may commit', async (t) => {
  const store = tempStore(t);
  store.createTopic('jobs', 3);
  for (let p = 0; p < 3; p++) store.append('jobs', `j${p}`, { partition: p });
  const events = [];
  const consumer = store.consumer('solo', {
    autoOffsetReset: 'earliest', enableAutoCommit: false,
    onAssigned: (parts) => events.push(['assigned', parts]),
    onRevoked: (parts) => {
      events.push(['revoked', parts]);
      consumer.commit();
    },
  });
  consumer.subscribe('jobs');
  const records = [];
  for (let i = 0; i < 50 && records.length < 3; i++) records.push(...await consumer.poll(100));
  assert.equal(records.length, 3);
  const all = [0, 1, 2].map((partition) => ({ topic: 'jobs', partition }));
  assert.deepEqual(events, [['assigned', all]]);
  consumer.unsubscribe();
  assert.deepEqual(events[1], ['revoked', all]);
  assert.equal(store.committed('solo', 'jobs', 2).offset, 1);
});

test('an exception in a rebalance callback is thrown by the call that ran it', async (t) => {
  const store = tempStore(t);
  store.createTopic('jobs', 1);
  const consumer = store.consumer('g', {
    onAssigned: () => {
      throw new Error('from the callback');
    },
  });
  consumer.subscribe(['jobs']);
  let error = null;
  for (let i = 0; i < 50 && !error; i++) {
    try {
      await consumer.poll(100);
    } catch (err) {
      error = err;
    }
  }
  assert.match(error.message, /from the callback/);
  assert.deepEqual(consumer.assignment(), [{ topic: 'jobs', partition: 0 }]);
});
