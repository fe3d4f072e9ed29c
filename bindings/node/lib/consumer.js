'use strict';

// A consumer: assigned partitions or a group subscription, positions, and
// commits. Every call runs on the JS thread. poll() never holds the event
// loop: it calls offlog_consumer_poll(c, 0) and, while nothing is readable,
// tries again from timers, backing off up to `idleMs`.

const { c, constants, defaults, koffi, types, RebalanceCb } = require('./native');
const { check, stateError } = require('./errors');
const { decodeRecords } = require('./message');
const { apply, consumerFields } = require('./options');
const { committedResult, newCommitted, offsetList } = require('./store');

const SPECIAL_OFFSETS = {
  beginning: 'OFFLOG_OFFSET_BEGINNING',
  end: 'OFFLOG_OFFSET_END',
  stored: 'OFFLOG_OFFSET_STORED',
};

function partitionList(partitions) {
  return partitions.map((p) => (Array.isArray(p) ? { topic: p[0], partition: p[1] } : p));
}

// Option names of the rebalance callbacks, and their fields.
const REBALANCE = { onAssigned: 'on_assigned', onRevoked: 'on_revoked', onLost: 'on_lost' };

class Consumer {
  // group: the group id, or null for a consumer that never commits. Options:
  // autoOffsetReset ('latest', 'earliest', 'none', 'by_duration'),
  // resetDurationMs, enableAutoCommit, autoCommitIntervalMs, maxPollRecords,
  // maxPollBytes, isolation ('durable', 'committed'), sessionTimeoutMs,
  // heartbeatIntervalMs, maxPollIntervalMs, assignor ('range', 'roundrobin',
  // 'cooperative_sticky'), groupInstanceId; onAssigned, onRevoked, onLost:
  // functions given the partitions ([{topic, partition}]) a group member
  // takes, gives up or lost, called inside poll() (the consumer may be used
  // in them, but for poll, assign, subscribe, unsubscribe and close: commit
  // in onRevoked to hand over what was processed); and idleMs, the longest
  // pause between two tries of a waiting poll (default 20).
  constructor(store, group = null, options = {}) {
    this.store = store;
    this.group = group;
    this._idleMaxMs = options.idleMs === undefined ? 20 : options.idleMs;
    this._pollTimeoutMs = 1000;
    this._wait = null; // the pending poll: {attempt, finish, timer}
    this._callbacks = [];
    this._callbackError = null;
    const rest = { ...options };
    delete rest.idleMs;
    const opts = apply(defaults('offlog_consumer_options', c.offlog_consumer_options_init), rest,
      consumerFields, Object.keys(REBALANCE));
    for (const [name, field] of Object.entries(REBALANCE)) {
      if (options[name]) opts[field] = this._register(options[name]);
    }
    const out = [null];
    try {
      check(c.offlog_consumer_open(out, store.env, group, opts));
    } catch (err) {
      this._unregister();
      throw err;
    }
    this._c = out[0];
  }

  // A rebalance callback for the library. It runs on the JS thread, inside a
  // call of this consumer; an exception is kept and thrown by that call.
  _register(fn) {
    const cb = koffi.register((opaque, consumer, partitions, count) => {
      try {
        const list = count ? koffi.decode(partitions, types.offlog_topic_partition, count) : [];
        fn(list.map((p) => ({ topic: p.topic, partition: p.partition })));
      } catch (err) {
        if (!this._callbackError) this._callbackError = err;
      }
    }, koffi.pointer(RebalanceCb));
    this._callbacks.push(cb);
    return cb;
  }

  _unregister() {
    for (const cb of this._callbacks.splice(0)) koffi.unregister(cb);
  }

  get closed() {
    return this._c === null;
  }

  get handle() {
    if (this._c === null) throw stateError('the consumer is closed');
    return this._c;
  }

  _check(rc) {
    const err = this._callbackError;
    this._callbackError = null;
    check(rc);
    if (err) throw err;
    return rc;
  }

  // Replace the assignment: [{topic, partition}] (or [topic, partition] pairs).
  assign(partitions) {
    const list = partitionList(partitions);
    this._check(c.offlog_consumer_assign(this.handle, list, list.length));
  }

  // Stop and restart returning records of assigned partitions; positions stay.
  pause(partitions) {
    const list = partitionList(partitions);
    this._check(c.offlog_consumer_pause(this.handle, list, list.length));
  }

  resume(partitions) {
    const list = partitionList(partitions);
    this._check(c.offlog_consumer_resume(this.handle, list, list.length));
  }

  // The partitions assigned, or owned as a group member: [{topic, partition}].
  assignment() {
    const out = [null];
    const count = [0];
    this._check(c.offlog_consumer_assignment(out, count, this.handle));
    if (!count[0]) return [];
    return koffi.decode(out[0], types.offlog_topic_partition, count[0])
      .map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  // Join the group sharing the partitions of `topics` with its other members
  // (threads or processes); the partitions arrive in later polls.
  subscribe(topics) {
    const list = typeof topics === 'string' ? [topics] : topics;
    this._check(c.offlog_consumer_subscribe(this.handle, list, list.length));
  }

  unsubscribe() {
    this._check(c.offlog_consumer_unsubscribe(this.handle));
  }

  // The next records, copied: [{topic, partition, offset, timestamp, key,
  // value, headers}]; [] when none came within timeoutMs (0: do not wait, -1:
  // until records come). Rejects with OFFLOG_EWAKEUP after wakeup(), and with
  // the library's error otherwise (OFFLOG_ERANGE with reset policy 'none').
  poll(timeoutMs = this._pollTimeoutMs) {
    if (this._c === null) return Promise.reject(stateError('the consumer is closed'));
    if (this._wait) return Promise.reject(stateError('a poll of this consumer is pending'));
    const deadline = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const wait = { timer: null, idle: 0 };
      const finish = (err, records) => {
        if (wait.timer) clearTimeout(wait.timer);
        this._wait = null;
        if (err) reject(err);
        else resolve(records);
      };
      wait.finish = finish;
      wait.attempt = () => {
        wait.timer = null;
        if (this._c === null) return finish(null, []);
        let records;
        try {
          records = this._pollOnce();
        } catch (err) {
          return finish(err);
        }
        if (records.length || Date.now() >= deadline) return finish(null, records);
        wait.idle = Math.min(this._idleMaxMs, wait.idle * 2 || 1);
        wait.timer = setTimeout(wait.attempt, Math.min(wait.idle, deadline - Date.now()));
      };
      this._wait = wait;
      wait.attempt();
    });
  }

  _pollOnce() {
    const out = [null];
    const count = [0];
    this._check(c.offlog_consumer_poll(out, count, this._c, 0));
    return decodeRecords(out[0], count[0]);
  }

  // Make the pending poll (or, when none is pending, the next one) reject at
  // once with OFFLOG_EWAKEUP; an async iteration ends instead. Positions do
  // not move.
  wakeup() {
    if (this._c === null) return;
    check(c.offlog_consumer_wakeup(this._c));
    if (this._wait && this._wait.timer) {
      clearTimeout(this._wait.timer);
      this._wait.attempt();
    }
  }

  // The records one by one, polling as needed, until wakeup() or close().
  async *[Symbol.asyncIterator]() {
    while (this._c !== null) {
      let records;
      try {
        records = await this.poll(this._pollTimeoutMs);
      } catch (err) {
        if (err.code === 'OFFLOG_EWAKEUP') return;
        throw err;
      }
      for (const r of records) yield r;
    }
  }

  // The offset of the next record poll returns from an assigned partition.
  position(topic, partition) {
    const out = [0];
    this._check(c.offlog_consumer_position(out, this.handle, topic, partition));
    return out[0];
  }

  // Move the position: an offset, or 'beginning', 'end', 'stored', or
  // {tail: n} (n records before the end).
  seek(topic, partition, offset) {
    let value = offset;
    if (typeof offset === 'string') {
      const name = SPECIAL_OFFSETS[offset];
      if (!name) throw new TypeError(`offlog: unknown offset ${JSON.stringify(offset)}`);
      value = constants[name];
    } else if (offset && typeof offset === 'object' && 'tail' in offset) {
      value = constants.OFFLOG_OFFSET_TAIL_BASE - offset.tail;
    }
    this._check(c.offlog_consumer_seek(this.handle, topic, partition, value));
  }

  // Commit, durably: without arguments the current positions (past every
  // record polled so far); a record: up to and including it (its offset + 1
  // for its partition); a list [{topic, partition, offset, metadata}]: those
  // offsets (each the next offset to read). Runs on the JS thread (a local
  // write); the Promise is settled when it returns.
  commit(what = undefined) {
    try {
      if (what === undefined) {
        this._check(c.offlog_consumer_commit(this.handle));
      } else {
        const list = Array.isArray(what) ? what
          : [{ topic: what.topic, partition: what.partition, offset: what.offset + 1 }];
        const entries = offsetList(list);
        this._check(c.offlog_consumer_commit_offsets(this.handle, entries, entries.length));
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // The group's committed offset for a partition: {offset, metadata,
  // commitTimeMs}, or null when nothing is committed.
  committed(topic, partition) {
    const out = newCommitted();
    this._check(c.offlog_consumer_committed(out, this.handle, topic, partition));
    return committedResult(out);
  }

  // {lag, positionLag}: the high watermark minus the committed offset and
  // minus the position; null where unknown (nothing committed, position not
  // yet known).
  lag(topic, partition) {
    const lag = [0];
    const positionLag = [0];
    this._check(c.offlog_consumer_lag(lag, positionLag, this.handle, topic, partition));
    const known = (v) => (v === constants.OFFLOG_LAG_UNKNOWN ? null : v);
    return { lag: known(lag[0]), positionLag: known(positionLag[0]) };
  }

  // Close: with auto-commit, commit the positions; a group member leaves the
  // group (the others take over its partitions). A pending poll resolves with
  // []. A second close does nothing.
  close() {
    if (this._c === null) return;
    const rc = c.offlog_consumer_close(this._c);
    // Refused with these two, the consumer stays open; otherwise it is closed.
    if (rc !== constants.OFFLOG_ESTATE && rc !== constants.OFFLOG_ETXN) {
      this._c = null;
      this._unregister();
    }
    this._check(rc);
    if (this._wait) {
      if (this._wait.timer) clearTimeout(this._wait.timer);
      this._wait.finish(null, []);
    }
  }
}

module.exports = { Consumer };
