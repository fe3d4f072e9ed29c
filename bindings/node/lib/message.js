'use strict';

// Records in and out: JS values to offlog_message structs, and records read
// (pointers into the store's map, valid until the next poll) to JS objects
// whose keys, values and headers are copied once into Buffers.

const { koffi, c, types, constants } = require('./native');
const { check } = require('./errors');

const HEADER_SIZE = koffi.sizeof(types.offlog_header);
const RECORD_SIZE = koffi.sizeof(types.offlog_record);

function toBytes(value, what) {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  throw new TypeError(`offlog: ${what} must be a Buffer, a typed array, a string or null`);
}

function headerList(headers) {
  if (!headers) return [];
  if (Array.isArray(headers)) {
    return headers.map((h) => (Array.isArray(h) ? { name: h[0], value: h[1] } : h));
  }
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}

// The offlog_message for (value, opts). The Buffers it points to are held by
// the returned object, which the caller keeps alive during the call.
function encodeMessage(value, opts = {}) {
  const key = toBytes(opts.key, 'key');
  const val = toBytes(value, 'value');
  const list = headerList(opts.headers);
  let headers = null;
  if (list.length) {
    headers = Buffer.alloc(HEADER_SIZE * list.length);
    list.forEach((h, i) => {
      const name = toBytes(h.name, 'header name');
      const hv = toBytes(h.value, 'header value');
      koffi.encode(headers, i * HEADER_SIZE, types.offlog_header, {
        name, name_len: name ? name.length : 0, value: hv, value_len: hv ? hv.length : 0,
      });
      // The header's pointers point into these Buffers: keep them alive.
      list[i] = [name, hv];
    });
  }
  let timestamp = opts.timestamp;
  if (timestamp instanceof Date) timestamp = timestamp.getTime();
  if (timestamp === undefined || timestamp === null) timestamp = constants.OFFLOG_TIMESTAMP_NOW;
  return {
    key, key_len: key ? key.length : 0, value: val, value_len: val ? val.length : 0,
    timestamp, headers, header_count: list.length, keep: list,
  };
}

function copy(ptr, len) {
  if (ptr === null) return null;
  if (len === 0) return Buffer.alloc(0);
  return Buffer.copyBytesFrom(new Uint8Array(koffi.view(ptr, len)));
}

function decodeHeaders(recordPtr, rec) {
  if (rec.header_count === 0) return [];
  const buf = Buffer.alloc(HEADER_SIZE * rec.header_count);
  const count = [0];
  check(c.offlog_record_headers(buf, rec.header_count, count, recordPtr));
  return koffi.decode(buf, types.offlog_header, count[0]).map((h) => ({
    name: copy(h.name, h.name_len).toString('utf8'),
    value: copy(h.value, h.value_len),
  }));
}

// The `count` records of the array at `ptr`, copied out of the store's map.
function decodeRecords(ptr, count) {
  if (count === 0) return [];
  const raw = koffi.decode(ptr, types.offlog_record, count);
  return raw.map((r, i) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: copy(r.key, r.key_len),
    value: copy(r.value, r.value_len),
    headers: decodeHeaders(ptr + BigInt(i * RECORD_SIZE), r),
  }));
}

module.exports = { encodeMessage, decodeRecords, toBytes };
