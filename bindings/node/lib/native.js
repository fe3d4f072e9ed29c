'use strict';

// The library, its functions and its structs as koffi sees them. The structs
// are declared here by hand, with the header's field names, and every size
// and offset is checked at load against the library's own description
// (offlog_abi_describe()): a mismatch throws before any call is made.

const fs = require('fs');
const path = require('path');
const koffi = require('koffi');

// What this binding was written against: the library must describe at least
// these versions of the versioned structs, and this ABI major.
const ABI_MAJOR = 1;

function findLibrary() {
  if (process.env.OFFLOG_LIBRARY) return process.env.OFFLOG_LIBRARY;
  for (let dir = path.resolve(__dirname, '..'); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'build', 'libofflog.so');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  return 'libofflog.so.' + ABI_MAJOR;
}

const libraryPath = findLibrary();
let lib;
try {
  lib = koffi.load(libraryPath);
} catch (err) {
  throw new Error(`offlog: cannot load the library ${libraryPath}: ${err.message} ` +
    '(set OFFLOG_LIBRARY to its path, or build it with `make lib`)');
}

// Frozen structs: never change while the ABI major stays.
const frozen = {
  offlog_header: koffi.struct('offlog_header', {
    name: 'void *', name_len: 'size_t', value: 'void *', value_len: 'size_t',
  }),
  offlog_message: koffi.struct('offlog_message', {
    key: 'void *', key_len: 'size_t', value: 'void *', value_len: 'size_t',
    timestamp: 'int64_t', headers: 'void *', header_count: 'size_t',
  }),
  offlog_record: koffi.struct('offlog_record', {
    topic: 'const char *', partition: 'int32_t', offset: 'int64_t', timestamp: 'int64_t',
    key: 'void *', key_len: 'size_t', value: 'void *', value_len: 'size_t',
    header_count: 'size_t', headers: 'void *', headers_len: 'size_t',
  }),
  offlog_topic_partition: koffi.struct('offlog_topic_partition', {
    topic: 'const char *', partition: 'int32_t',
  }),
  offlog_partition_offset: koffi.struct('offlog_partition_offset', {
    topic: 'const char *', partition: 'int32_t', offset: 'int64_t', metadata: 'const char *',
    err: 'int',
  }),
  offlog_partition_info: koffi.struct('offlog_partition_info', {
    partition: 'int32_t', log_start: 'int64_t', high_watermark: 'int64_t', log_end: 'int64_t',
    records: 'int64_t', bytes: 'int64_t',
  }),
};

// Versioned structs: `version` first, fields only ever added at the end. The
// number is the version whose fields are declared here.
const versioned = {
  offlog_options: [2, koffi.struct('offlog_options', {
    version: 'unsigned int', durability: 'int', map_size: 'uint64_t', max_map_size: 'uint64_t',
    max_readers: 'uint32_t', flush_interval_ms: 'uint32_t', file_mode: 'uint32_t',
    flags: 'uint32_t', maintenance_interval_ms: 'uint32_t', max_store_bytes: 'uint64_t',
    store_full_policy: 'int',
  })],
  offlog_topic_config: [2, koffi.struct('offlog_topic_config', {
    version: 'unsigned int', retention_ms: 'int64_t', retention_bytes: 'int64_t',
    cleanup_policy: 'int', delete_retention_ms: 'int64_t', max_message_bytes: 'int32_t',
    protected_groups: 'void *', protected_group_count: 'size_t',
  })],
  offlog_topic_info: [1, koffi.struct('offlog_topic_info', {
    version: 'unsigned int', name: koffi.array('char', 250, 'String'),
    partition_count: 'int32_t', created_ms: 'int64_t', partitions: 'void *',
    config: 'offlog_topic_config',
  })],
  offlog_delivery: [1, koffi.struct('offlog_delivery', {
    version: 'unsigned int', topic: 'const char *', partition: 'int32_t', offset: 'int64_t',
    sequence: 'int64_t', duplicate: 'int', err: 'int', msg_opaque: 'void *',
    errmsg: 'const char *',
  })],
  offlog_producer_options: [2, koffi.struct('offlog_producer_options', {
    version: 'unsigned int', linger_ms: 'uint32_t', batch_records: 'uint32_t',
    batch_bytes: 'uint64_t', queue_bytes: 'uint64_t', queue_full: 'int', block_ms: 'uint32_t',
    idempotent: 'int', producer_id: 'uint64_t', on_delivery: 'void *', opaque: 'void *',
    delivery_mode: 'int',
  })],
  offlog_consumer_options: [2, koffi.struct('offlog_consumer_options', {
    version: 'unsigned int', auto_offset_reset: 'int', reset_duration_ms: 'int64_t',
    enable_auto_commit: 'int', auto_commit_interval_ms: 'uint32_t',
    max_poll_records: 'uint32_t', max_poll_bytes: 'uint64_t', isolation: 'int',
    session_timeout_ms: 'uint32_t', heartbeat_interval_ms: 'uint32_t',
    max_poll_interval_ms: 'uint32_t', assignor: 'int', group_instance_id: 'const char *',
    on_assigned: 'void *', on_revoked: 'void *', on_lost: 'void *',
    rebalance_opaque: 'void *', on_records_lost: 'void *', records_lost_opaque: 'void *',
  })],
  offlog_committed: [1, koffi.struct('offlog_committed', {
    version: 'unsigned int', offset: 'int64_t', commit_time_ms: 'int64_t',
    metadata_len: 'size_t', metadata: koffi.array('char', 4097, 'String'),
  })],
};

const types = {};
for (const [name, type] of Object.entries(frozen)) types[name] = type;
for (const [name, [, type]] of Object.entries(versioned)) types[name] = type;

const DeliveryCb = koffi.proto('void offlog_delivery_cb(void *opaque, void *report)');
const RebalanceCb = koffi.proto('void offlog_rebalance_cb(void *opaque, void *consumer, ' +
  'void *partitions, size_t count)');

function declare(proto) {
  try {
    return lib.func(proto);
  } catch (err) {
    throw new Error(`offlog: the library ${libraryPath} does not match this binding: ` +
      err.message);
  }
}

// Functions of the C API this binding calls. A prototype names the handles
// void * (koffi passes them as BigInt addresses).
const c = {
  offlog_version_string: declare('const char *offlog_version_string(void)'),
  offlog_strerror: declare('const char *offlog_strerror(int err)'),
  offlog_errname: declare('const char *offlog_errname(int err)'),
  offlog_errmsg: declare('const char *offlog_errmsg(void)'),
  offlog_abi_describe: declare('const char *offlog_abi_describe(void)'),

  offlog_options_init: declare('int offlog_options_init(void *opts)'),
  offlog_open: declare('int offlog_open(_Out_ void **env, const char *path, offlog_options *o)'),
  offlog_close: declare('int offlog_close(void *env)'),
  offlog_flush: declare('int offlog_flush(void *env)'),

  offlog_topic_config_init: declare('int offlog_topic_config_init(void *cfg)'),
  offlog_topic_create: declare('int offlog_topic_create(void *env, const char *topic, ' +
    'int32_t partitions, offlog_topic_config *cfg)'),
  offlog_topic_delete: declare('int offlog_topic_delete(void *env, const char *topic)'),
  offlog_topic_list: declare('int offlog_topic_list(_Out_ void **names, _Out_ size_t *count, ' +
    'void *env)'),
  offlog_names_free: declare('void offlog_names_free(void *names, size_t count)'),
  offlog_topic_describe: declare('int offlog_topic_describe(_Out_ void **info, void *env, ' +
    'const char *topic)'),
  offlog_topic_info_free: declare('void offlog_topic_info_free(void *info)'),
  offlog_watermarks_get: declare('int offlog_watermarks_get(_Out_ int64_t *log_start, ' +
    '_Out_ int64_t *high_watermark, _Out_ int64_t *log_end, void *env, const char *topic, ' +
    'int32_t partition)'),
  offlog_group_committed: declare('int offlog_group_committed(_Inout_ offlog_committed *out, ' +
    'void *env, const char *group, const char *topic, int32_t partition)'),

  offlog_append: declare('int offlog_append(_Out_ int64_t *offset, _Out_ int32_t *partition, ' +
    'void *env, const char *topic, int32_t partition_in, offlog_message *msg)'),
  offlog_append_batch: declare('int offlog_append_batch(_Out_ int64_t *base, ' +
    '_Out_ int32_t *partition, void *env, const char *topic, int32_t partition_in, ' +
    'offlog_message *msgs, size_t count)'),
  offlog_record_headers: declare('int offlog_record_headers(void *headers, size_t capacity, ' +
    '_Out_ size_t *count, void *record)'),

  offlog_producer_options_init: declare('int offlog_producer_options_init(void *opts)'),
  offlog_producer_open: declare('int offlog_producer_open(_Out_ void **producer, void *env, ' +
    'offlog_producer_options *opts)'),
  offlog_producer_send: declare('int offlog_producer_send(void *producer, const char *topic, ' +
    'int32_t partition, offlog_message *msg, void *msg_opaque)'),
  offlog_producer_poll: declare('int offlog_producer_poll(_Out_ size_t *served, ' +
    'void *producer, int timeout_ms)'),
  offlog_producer_errmsg: declare('const char *offlog_producer_errmsg(void *producer)'),
  offlog_producer_close: declare('int offlog_producer_close(void *producer, unsigned int flags)'),

  offlog_consumer_options_init: declare('int offlog_consumer_options_init(void *opts)'),
  offlog_consumer_open: declare('int offlog_consumer_open(_Out_ void **consumer, void *env, ' +
    'const char *group, offlog_consumer_options *opts)'),
  offlog_consumer_close: declare('int offlog_consumer_close(void *consumer)'),
  offlog_consumer_assign: declare('int offlog_consumer_assign(void *consumer, ' +
    'offlog_topic_partition *partitions, size_t count)'),
  offlog_consumer_assignment: declare('int offlog_consumer_assignment(_Out_ void **partitions, ' +
    '_Out_ size_t *count, void *consumer)'),
  offlog_consumer_subscribe: declare('int offlog_consumer_subscribe(void *consumer, ' +
    'const char **topics, size_t count)'),
  offlog_consumer_unsubscribe: declare('int offlog_consumer_unsubscribe(void *consumer)'),
  offlog_consumer_poll: declare('int offlog_consumer_poll(_Out_ void **records, ' +
    '_Out_ size_t *count, void *consumer, int timeout_ms)'),
  offlog_consumer_release: declare('int offlog_consumer_release(void *consumer)'),
  offlog_consumer_wakeup: declare('int offlog_consumer_wakeup(void *consumer)'),
  offlog_consumer_errmsg: declare('const char *offlog_consumer_errmsg(void *consumer)'),
  offlog_consumer_position: declare('int offlog_consumer_position(_Out_ int64_t *offset, ' +
    'void *consumer, const char *topic, int32_t partition)'),
  offlog_consumer_seek: declare('int offlog_consumer_seek(void *consumer, const char *topic, ' +
    'int32_t partition, int64_t offset)'),
  offlog_consumer_pause: declare('int offlog_consumer_pause(void *consumer, ' +
    'offlog_topic_partition *partitions, size_t count)'),
  offlog_consumer_resume: declare('int offlog_consumer_resume(void *consumer, ' +
    'offlog_topic_partition *partitions, size_t count)'),
  offlog_consumer_commit: declare('int offlog_consumer_commit(void *consumer)'),
  offlog_consumer_commit_offsets: declare('int offlog_consumer_commit_offsets(void *consumer, ' +
    '_Inout_ offlog_partition_offset *offsets, size_t count)'),
  offlog_consumer_committed: declare('int offlog_consumer_committed(' +
    '_Inout_ offlog_committed *out, void *consumer, const char *topic, int32_t partition)'),
  offlog_consumer_lag: declare('int offlog_consumer_lag(_Out_ int64_t *lag, ' +
    '_Out_ int64_t *position_lag, void *consumer, const char *topic, int32_t partition)'),

  offlog_txn_begin: declare('int offlog_txn_begin(_Out_ void **txn, void *env)'),
  offlog_txn_append: declare('int offlog_txn_append(_Out_ int64_t *offset, ' +
    '_Out_ int32_t *partition, void *txn, const char *topic, int32_t partition_in, ' +
    'offlog_message *msg)'),
  offlog_txn_commit_offsets: declare('int offlog_txn_commit_offsets(void *txn, ' +
    'const char *group, _Inout_ offlog_partition_offset *offsets, size_t count)'),
  offlog_txn_commit_consumer: declare('int offlog_txn_commit_consumer(void *txn, ' +
    'void *consumer)'),
  offlog_txn_commit: declare('int offlog_txn_commit(void *txn)'),
  offlog_txn_abort: declare('void offlog_txn_abort(void *txn)'),
};

// What differs between the structs declared here and a description in the
// form of offlog_abi_describe(): [] when nothing does. Frozen structs must
// match exactly; a versioned one must be at least the declared version, with
// every declared field where it is declared (a newer version only adds
// fields at the end).
function abiProblems(description) {
  const problems = [];
  if (description.abi !== ABI_MAJOR) {
    problems.push(`ABI major ${description.abi}, this binding needs ${ABI_MAJOR}`);
  }
  if (description.pointer_size !== koffi.sizeof('void *')) {
    problems.push(`pointer size ${description.pointer_size}, Node's is ${koffi.sizeof('void *')}`);
  }
  const check = (name, type, exactSize) => {
    const d = description.structs[name];
    if (!d) {
      problems.push(`${name} is not described`);
      return;
    }
    if (exactSize && d.size !== koffi.sizeof(type)) {
      problems.push(`${name}: size ${d.size}, declared ${koffi.sizeof(type)}`);
    }
    const fields = new Map(d.fields.map((f) => [f.name, f]));
    for (const [member, { type: memberType, offset }] of Object.entries(type.members)) {
      const f = fields.get(member);
      if (!f) problems.push(`${name}.${member} is not described`);
      else if (f.offset !== offset) {
        problems.push(`${name}.${member}: offset ${f.offset}, declared ${offset}`);
      } else if (f.size !== memberType.size) {
        problems.push(`${name}.${member}: size ${f.size}, declared ${memberType.size}`);
      }
    }
  };
  for (const [name, type] of Object.entries(frozen)) check(name, type, true);
  for (const [name, [version, type]] of Object.entries(versioned)) {
    const d = description.structs[name];
    if (d && d.version < version) {
      problems.push(`${name}: version ${d.version}, this binding needs ${version}`);
    }
    check(name, type, d && d.version === version);
  }
  return problems;
}

// The library's self-description, parsed once and checked before any use.
const abi = JSON.parse(c.offlog_abi_describe());
const problems = abiProblems(abi);
if (problems.length) {
  throw new Error(`offlog: the library ${libraryPath} does not match this binding: ` +
    problems.join('; '));
}
const constants = Object.freeze({ ...abi.constants });

// Fill a struct with the library's defaults: the init function writes the
// library's whole struct, which may be a newer, longer version than the one
// declared here, so it writes into a buffer of the library's size and only
// the declared fields are read back, under the declared version.
function defaults(name, init) {
  const [version, type] = versioned[name];
  const buf = Buffer.alloc(Math.max(abi.structs[name].size, koffi.sizeof(type)));
  const rc = init(buf);
  if (rc !== 0) throw new Error(`offlog: ${name} init failed (${rc})`);
  const value = koffi.decode(buf, type);
  value.version = version;
  return value;
}

module.exports = {
  koffi, lib, c, types, constants, abi, libraryPath, DeliveryCb, RebalanceCb, defaults,
  abiProblems,
  versions: Object.fromEntries(Object.entries(versioned).map(([n, [v]]) => [n, v])),
};
