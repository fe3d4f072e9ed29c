'use strict';

const { koffi, c, types, constants, defaults, versions } = require('./native');
const { OfflogError, check, stateError } = require('./errors');
const { encodeMessage } = require('./message');
const { apply, storeOptions, topicFields } = require('./options');

const INVALID = constants.OFFLOG_OFFSET_INVALID;

function camelPartition(p) {
  return {
    partition: p.partition, logStart: p.log_start, highWatermark: p.high_watermark,
    logEnd: p.log_end, records: p.records, bytes: p.bytes,
  };
}

function committedResult(out) {
  if (out.offset === INVALID) return null;
  return {
    offset: out.offset,
    metadata: out.metadata_len ? out.metadata : null,
    commitTimeMs: out.commit_time_ms,
  };
}

function newCommitted() {
  return {
    version: versions.offlog_committed, offset: INVALID, commit_time_ms: 0,
    metadata_len: 0, metadata: '',
  };
}

// [{topic, partition, offset, metadata}] as offlog_partition_offset entries.
function offsetList(offsets) {
  return offsets.map((o) => ({
    topic: o.topic, partition: o.partition, offset: o.offset,
    metadata: o.metadata === undefined ? null : o.metadata, err: 0,
  }));
}

// An open store directory. One per process and directory (the library
// refuses a second handle with OFFLOG_EBUSY): share it. Close the producers
// and consumers opened on it first.
class Store {
  constructor(env, path) {
    this._env = env;
    this.path = path;
    this._producers = new Set();
  }

  // Open (creating when missing) the store in directory `path`. Options:
  // durability ('sync', 'nometasync', 'async'), readOnly, noCreate, insecure,
  // verify, mapSize, maxMapSize, maxReaders, flushIntervalMs, fileMode,
  // maintenanceIntervalMs, maxStoreBytes, storeFullPolicy ('reject',
  // 'drop_oldest').
  static open(path, options = {}) {
    const opts = storeOptions(defaults('offlog_options', c.offlog_options_init), options);
    const out = [null];
    check(c.offlog_open(out, path, opts));
    return new Store(out[0], path);
  }

  get closed() {
    return this._env === null;
  }

  get env() {
    if (this._env === null) throw stateError('the store is closed');
    return this._env;
  }

  // Close the store. OFFLOG_EBUSY, closing nothing, while producers,
  // consumers or transactions of it are open. A second close does nothing.
  close() {
    if (this._env === null) return;
    if (this._producers.size) {
      throw stateError(`${this._producers.size} producer(s) of the store still open`,
        'OFFLOG_EBUSY');
    }
    check(c.offlog_close(this._env));
    this._env = null;
  }

  // Make everything committed durable (deferred durability modes).
  flush() {
    check(c.offlog_flush(this.env));
  }

  // Create topic `name` with `partitions` partitions. config: retentionMs,
  // retentionBytes, cleanupPolicy ('delete', 'compact' or both),
  // deleteRetentionMs, maxMessageBytes. OFFLOG_EEXIST when it exists.
  createTopic(name, partitions = 1, config = undefined) {
    let cfg = null;
    if (config) {
      cfg = apply(defaults('offlog_topic_config', c.offlog_topic_config_init), config,
        topicFields);
    }
    check(c.offlog_topic_create(this.env, name, partitions, cfg));
  }

  deleteTopic(name) {
    check(c.offlog_topic_delete(this.env, name));
  }

  // The topic names, sorted.
  topics() {
    const names = [null];
    const count = [0];
    check(c.offlog_topic_list(names, count, this.env));
    try {
      return count[0] ? koffi.decode(names[0], 'const char *', count[0]) : [];
    } finally {
      c.offlog_names_free(names[0], count[0]);
    }
  }

  // A topic's configuration and every partition's watermarks and size.
  describe(topic) {
    const out = [null];
    check(c.offlog_topic_describe(out, this.env, topic));
    try {
      const info = koffi.decode(out[0], types.offlog_topic_info);
      const parts = koffi.decode(info.partitions, types.offlog_partition_info,
        info.partition_count);
      const cfg = info.config;
      return {
        name: info.name,
        partitionCount: info.partition_count,
        createdMs: info.created_ms,
        partitions: parts.map(camelPartition),
        config: {
          retentionMs: cfg.retention_ms,
          retentionBytes: cfg.retention_bytes,
          cleanupPolicy: ['delete', 'compact'].filter(
            (n) => cfg.cleanup_policy & constants['OFFLOG_CLEANUP_' + n.toUpperCase()]),
          deleteRetentionMs: cfg.delete_retention_ms,
          maxMessageBytes: cfg.max_message_bytes,
        },
      };
    } finally {
      c.offlog_topic_info_free(out[0]);
    }
  }

  // {logStart, highWatermark, logEnd} of one partition.
  watermarks(topic, partition) {
    const lo = [0];
    const hw = [0];
    const end = [0];
    check(c.offlog_watermarks_get(lo, hw, end, this.env, topic, partition));
    return { logStart: lo[0], highWatermark: hw[0], logEnd: end[0] };
  }

  // Append one record and return {partition, offset} once it is committed
  // (durable in 'sync' mode). value: Buffer, string, typed array or null (a
  // tombstone). opts: key, partition (default: by key, round-robin without),
  // headers ([{name, value}], [[name, value]] or {name: value}), timestamp
  // (ms or Date; default now).
  append(topic, value, opts = {}) {
    const msg = encodeMessage(value, opts);
    const offset = [0];
    const partition = [0];
    check(c.offlog_append(offset, partition, this.env, topic, partitionArg(opts), msg));
    return { partition: partition[0], offset: offset[0] };
  }

  // Append records ([{value, key, headers, timestamp}]) to one partition
  // atomically, with consecutive offsets. Returns {partition, offset} of the
  // first (the others follow it) and their offsets.
  appendBatch(topic, records, opts = {}) {
    const msgs = records.map((r) => encodeMessage(r.value, r));
    const base = [0];
    const partition = [0];
    check(c.offlog_append_batch(base, partition, this.env, topic, partitionArg(opts), msgs,
      msgs.length));
    return {
      partition: partition[0], offset: base[0],
      offsets: msgs.map((m, i) => base[0] + i),
    };
  }

  // A group's committed offset for a partition, read without a consumer:
  // {offset, metadata, commitTimeMs}, or null when nothing is committed.
  committed(group, topic, partition) {
    const out = newCommitted();
    check(c.offlog_group_committed(out, this.env, group, topic, partition));
    return committedResult(out);
  }

  // A transaction on this thread: `fn(txn)` runs inside it; it commits when fn
  // returns and aborts when fn throws. Without fn, the open Transaction.
  transaction(fn) {
    const txn = new Transaction(this);
    if (!fn) return txn;
    let result;
    try {
      result = fn(txn);
    } catch (err) {
      txn.abort();
      throw err;
    }
    if (result && typeof result.then === 'function') {
      txn.abort();
      throw new TypeError('offlog: a transaction function must not be async (transactions ' +
        'belong to the thread that began them and hold the store\'s write lock)');
    }
    txn.commit();
    return result;
  }

  producer(options) {
    const { Producer } = require('./producer');
    return new Producer(this, options);
  }

  consumer(group, options) {
    const { Consumer } = require('./consumer');
    return new Consumer(this, group, options);
  }
}

function partitionArg(opts) {
  const p = opts.partition;
  return p === undefined || p === null ? constants.OFFLOG_PARTITION_ANY : p;
}

// A write transaction: appends and offset commits that become visible
// together at commit(), or not at all. Synchronous, on the JS thread (a
// transaction belongs to the thread that began it); it holds the store's
// write lock, so keep it short. While it is open this thread's other writes
// (store.append(), consumer.commit()) fail with OFFLOG_ETXN.
class Transaction {
  constructor(store) {
    const out = [null];
    check(c.offlog_txn_begin(out, store.env));
    this._txn = out[0];
    this.store = store;
  }

  get open() {
    return this._txn !== null;
  }

  get txn() {
    if (this._txn === null) throw new OfflogError(constants.OFFLOG_ETXN, 'transaction ended');
    return this._txn;
  }

  append(topic, value, opts = {}) {
    const msg = encodeMessage(value, opts);
    const offset = [0];
    const partition = [0];
    check(c.offlog_txn_append(offset, partition, this.txn, topic, partitionArg(opts), msg));
    return { partition: partition[0], offset: offset[0] };
  }

  // Commit offsets ([{topic, partition, offset, metadata}], the next offset
  // to read) for `group` with the transaction.
  commitOffsets(group, offsets) {
    const list = offsetList(offsets);
    check(c.offlog_txn_commit_offsets(this.txn, group, list, list.length));
  }

  // Commit the consumer's positions for its group with the transaction: the
  // consume-transform-produce step.
  commitConsumer(consumer) {
    check(c.offlog_txn_commit_consumer(this.txn, consumer.handle));
  }

  commit() {
    const txn = this.txn;
    this._txn = null;
    check(c.offlog_txn_commit(txn));
  }

  abort() {
    if (this._txn === null) return;
    c.offlog_txn_abort(this._txn);
    this._txn = null;
  }
}

module.exports = { Store, Transaction, committedResult, newCommitted, offsetList, partitionArg };
