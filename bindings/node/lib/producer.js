'use strict';

// The batching producer. Its delivery reports are served on the JS thread:
// the producer is opened with OFFLOG_DELIVERY_POLL and the binding calls
// offlog_producer_poll(p, 0) from timers while sends are outstanding, so no
// call ever waits and the event loop is never held.

const { koffi, c, types, constants, defaults, DeliveryCb } = require('./native');
const { OfflogError, check, stateError } = require('./errors');
const { encodeMessage } = require('./message');
const { apply, producerFields } = require('./options');
const { partitionArg } = require('./store');

const MAX_IDLE_MS = 10;

class Producer {
  // Options: lingerMs, batchRecords, batchBytes, queueBytes, idempotent,
  // producerId. A full queue does not block: sends wait in the producer's
  // backlog, in order, until reports are served and room is made.
  constructor(store, options = {}) {
    this.store = store;
    this._pending = new Map(); // msg id -> {resolve, reject}
    this._nextId = 1n;
    this._backlog = [];
    this._timer = null;
    this._idle = 0;
    this._waiters = [];
    this._p = null;
    const opts = apply(defaults('offlog_producer_options', c.offlog_producer_options_init),
      options, producerFields);
    const deliver = (opaque, report) => this._deliver(koffi.decode(report, types.offlog_delivery));
    this._cb = koffi.register(deliver, koffi.pointer(DeliveryCb));
    opts.on_delivery = this._cb;
    opts.delivery_mode = constants.OFFLOG_DELIVERY_POLL;
    opts.queue_full = constants.OFFLOG_QUEUE_FAIL;
    const out = [null];
    try {
      check(c.offlog_producer_open(out, store.env, opts));
    } catch (err) {
      koffi.unregister(this._cb);
      throw err;
    }
    this._p = out[0];
    store._producers.add(this);
  }

  get closed() {
    return this._p === null;
  }

  // Queue a record; the Promise resolves with its delivery report
  // {topic, partition, offset, sequence, duplicate}, or rejects with an
  // OfflogError carrying the record's own code and message (an unknown topic,
  // a record too large for the topic). opts as Store.append().
  send(topic, value, opts = {}) {
    if (this._p === null) return Promise.reject(stateError('the producer is closed'));
    let msg;
    try {
      msg = encodeMessage(value, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      const send = { id, topic, partition: partitionArg(opts), msg };
      this._pending.set(id, { resolve, reject });
      if (this._backlog.length || !this._trySend(send)) this._backlog.push(send);
      this._schedule(0);
    });
  }

  // True when sent (or failed: its promise is settled); false when the queue
  // is full and the send must wait.
  _trySend(s) {
    const rc = c.offlog_producer_send(this._p, s.topic, s.partition, s.msg, s.id);
    if (rc === constants.OFFLOG_EQUEUEFULL) return false;
    if (rc < 0) this._settle(s.id, new OfflogError(rc, c.offlog_errmsg()));
    return true;
  }

  _settle(id, err, report) {
    const waiter = this._pending.get(id);
    if (!waiter) return;
    this._pending.delete(id);
    if (err) waiter.reject(err);
    else waiter.resolve(report);
    if (this._pending.size === 0) this._drained();
  }

  _drained() {
    const waiters = this._waiters;
    this._waiters = [];
    for (const w of waiters) w();
  }

  // The delivery callback: runs on the JS thread inside offlog_producer_poll().
  _deliver(report) {
    const id = BigInt(report.msg_opaque || 0);
    if (report.err) {
      const err = new OfflogError(report.err, report.errmsg);
      err.topic = report.topic;
      err.partition = report.partition;
      this._settle(id, err);
    } else {
      this._settle(id, null, {
        topic: report.topic, partition: report.partition, offset: report.offset,
        sequence: report.sequence, duplicate: report.duplicate !== 0,
      });
    }
  }

  // Serve waiting reports, send what the backlog holds, and come back while
  // anything is outstanding: at once after progress, then backing off to
  // MAX_IDLE_MS.
  _tick() {
    this._timer = null;
    if (this._p === null) return;
    const served = [0];
    try {
      check(c.offlog_producer_poll(served, this._p, 0), () => c.offlog_producer_errmsg(this._p));
    } catch (err) {
      for (const id of [...this._pending.keys()]) this._settle(id, err);
      return;
    }
    let progress = served[0] > 0;
    while (this._backlog.length && this._trySend(this._backlog[0])) {
      this._backlog.shift();
      progress = true;
    }
    if (!this._pending.size) return;
    this._schedule(progress ? 0 : Math.min(MAX_IDLE_MS, this._idle * 2 || 1));
  }

  _schedule(delay) {
    if (this._timer !== null) {
      if (delay > 0) return;
      clearTimeout(this._timer);
    }
    this._idle = delay;
    this._timer = setTimeout(() => this._tick(), delay);
  }

  // Resolves once every record sent so far has its report (delivered or
  // failed). With timeoutMs, rejects with OFFLOG_ETIMEDOUT after that long.
  flush(timeoutMs = -1) {
    if (this._pending.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this._waiters.push(done);
      if (timeoutMs >= 0) {
        timer = setTimeout(() => {
          this._waiters = this._waiters.filter((w) => w !== done);
          reject(new OfflogError(constants.OFFLOG_ETIMEDOUT,
            `flush: ${this._pending.size} record(s) not reported after ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  // Deliver what was sent, then close. With {purge: true} records not yet
  // written are dropped instead: their promises reject with OFFLOG_EPURGED.
  async close(opts = {}) {
    if (this._p === null) return;
    if (!opts.purge) await this.flush();
    if (this._p === null) return;
    const p = this._p;
    for (const s of this._backlog.splice(0)) {
      this._settle(s.id, new OfflogError(constants.OFFLOG_EPURGED, 'the producer was closed'));
    }
    const rc = c.offlog_producer_close(p, opts.purge ? constants.OFFLOG_PRODUCER_PURGE : 0);
    const detail = c.offlog_errmsg();
    this._p = null;
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    koffi.unregister(this._cb);
    this.store._producers.delete(this);
    for (const id of [...this._pending.keys()]) {
      this._settle(id, new OfflogError(constants.OFFLOG_EPURGED, 'the producer was closed'));
    }
    check(rc, () => detail);
  }
}

module.exports = { Producer };
