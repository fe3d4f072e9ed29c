'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const native = require('../lib/native');
const { constants, libraryVersion } = require('..');

test('the declared structs match the library\'s description', () => {
  assert.deepEqual(native.abiProblems(native.abi), []);
  assert.equal(native.abi.abi, 1);
});

test('a description that differs is refused, naming each difference', () => {
  const changed = structuredClone(native.abi);
  changed.structs.offlog_record.size += 8;
  changed.structs.offlog_record.fields.find((f) => f.name === 'offset').offset += 4;
  changed.structs.offlog_delivery.fields = changed.structs.offlog_delivery.fields
    .filter((f) => f.name !== 'errmsg');
  changed.structs.offlog_consumer_options.version = 1;
  changed.structs.offlog_committed.fields.find((f) => f.name === 'metadata').size = 4000;
  delete changed.structs.offlog_header;
  const problems = native.abiProblems(changed);
  assert.deepEqual(problems.sort(), [
    'offlog_committed.metadata: size 4000, declared 4097',
    'offlog_consumer_options: version 1, this binding needs 2',
    'offlog_delivery.errmsg is not described',
    'offlog_header is not described',
    'offlog_record.offset: offset ' +
      `${native.koffi.offsetof(native.types.offlog_record, 'offset') + 4}, declared ` +
      `${native.koffi.offsetof(native.types.offlog_record, 'offset')}`,
    `offlog_record: size ${native.koffi.sizeof(native.types.offlog_record) + 8}, declared ` +
      `${native.koffi.sizeof(native.types.offlog_record)}`,
  ].sort());
});

test('a newer version of a versioned struct, longer, is accepted', () => {
  const newer = structuredClone(native.abi);
  const d = newer.structs.offlog_options;
  d.version += 1;
  d.fields.push({ name: 'added_later', offset: d.size, size: 8, type: 'uint64' });
  d.size += 8;
  assert.deepEqual(native.abiProblems(newer), []);
});

test('constants come from the library', () => {
  assert.equal(constants.OFFLOG_ERANGE, -7);
  assert.equal(constants.OFFLOG_OFFSET_BEGINNING, -2);
  assert.equal(constants.OFFLOG_DELIVERY_POLL, 1);
  assert.match(libraryVersion, /^\d+\.\d+\.\d+$/);
});

test('a library that cannot be loaded is named in the error', () => {
  const { spawnSync } = require('child_process');
  const r = spawnSync(process.execPath, ['-e', 'require(".")'], {
    cwd: require('path').join(__dirname, '..'),
    env: { ...process.env, OFFLOG_LIBRARY: '/nonexistent/libofflog.so' },
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /offlog: cannot load the library \/nonexistent\/libofflog\.so/);
});
