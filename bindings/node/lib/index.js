'use strict';

// offlog for Node: Kafka's offset semantics in-process, on LMDB, through
// libofflog (found through OFFLOG_LIBRARY, a build/ directory above this
// package, or the system's libofflog.so.1).

const native = require('./native');
const { OfflogError } = require('./errors');
const { Store, Transaction } = require('./store');
const { Producer } = require('./producer');
const { Consumer } = require('./consumer');

const k = native.constants;

module.exports = {
  Store,
  Producer,
  Consumer,
  Transaction,
  OfflogError,
  constants: k,
  Offset: Object.freeze({
    BEGINNING: k.OFFLOG_OFFSET_BEGINNING,
    END: k.OFFLOG_OFFSET_END,
    STORED: k.OFFLOG_OFFSET_STORED,
    INVALID: k.OFFLOG_OFFSET_INVALID,
    tail: (n) => k.OFFLOG_OFFSET_TAIL_BASE - n,
  }),
  libraryVersion: native.c.offlog_version_string(),
  libraryPath: native.libraryPath,
};
