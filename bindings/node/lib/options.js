'use strict';

// JS option objects (camelCase, names for enums) onto the C options structs.

const { constants } = require('./native');

function enumOf(prefix, what) {
  return (v) => {
    if (typeof v === 'number') return v;
    const name = prefix + String(v).toUpperCase().replace(/[-\s]/g, '_');
    if (!(name in constants)) throw new TypeError(`offlog: unknown ${what} ${JSON.stringify(v)}`);
    return constants[name];
  };
}

const bool = (v) => (v ? 1 : 0);
const num = (v) => v;

// Set the fields of `struct` named in `opts` by `fields` ({jsName: [cName, conv]});
// an unknown option is a TypeError, not silently ignored.
function apply(struct, opts, fields, extra = []) {
  for (const [name, value] of Object.entries(opts || {})) {
    if (value === undefined || extra.includes(name)) continue;
    const f = fields[name];
    if (!f) throw new TypeError(`offlog: unknown option ${name}`);
    struct[f[0]] = f[1](value);
  }
  return struct;
}

const storeFields = {
  durability: ['durability', enumOf('OFFLOG_DURABILITY_', 'durability')],
  mapSize: ['map_size', num],
  maxMapSize: ['max_map_size', num],
  maxReaders: ['max_readers', num],
  flushIntervalMs: ['flush_interval_ms', num],
  fileMode: ['file_mode', num],
  maintenanceIntervalMs: ['maintenance_interval_ms', num],
  maxStoreBytes: ['max_store_bytes', num],
  storeFullPolicy: ['store_full_policy', enumOf('OFFLOG_STORE_FULL_', 'store full policy')],
};
const storeFlags = {
  readOnly: 'OFFLOG_OPEN_READONLY',
  noCreate: 'OFFLOG_OPEN_NOCREATE',
  insecure: 'OFFLOG_OPEN_INSECURE',
  verify: 'OFFLOG_OPEN_VERIFY',
};

function storeOptions(struct, opts = {}) {
  const flagNames = Object.keys(storeFlags);
  apply(struct, opts, storeFields, flagNames);
  for (const name of flagNames) if (opts[name]) struct.flags |= constants[storeFlags[name]];
  return struct;
}

const cleanup = (v) => {
  if (typeof v === 'number') return v;
  const names = Array.isArray(v) ? v : String(v).split(/[,\s]+/);
  return names.reduce((bits, n) => bits | enumOf('OFFLOG_CLEANUP_', 'cleanup policy')(n), 0);
};

const topicFields = {
  retentionMs: ['retention_ms', num],
  retentionBytes: ['retention_bytes', num],
  cleanupPolicy: ['cleanup_policy', cleanup],
  deleteRetentionMs: ['delete_retention_ms', num],
  maxMessageBytes: ['max_message_bytes', num],
};

const producerFields = {
  lingerMs: ['linger_ms', num],
  batchRecords: ['batch_records', num],
  batchBytes: ['batch_bytes', num],
  queueBytes: ['queue_bytes', num],
  idempotent: ['idempotent', bool],
  producerId: ['producer_id', (v) => BigInt(v)],
};

const consumerFields = {
  autoOffsetReset: ['auto_offset_reset', enumOf('OFFLOG_RESET_', 'reset policy')],
  resetDurationMs: ['reset_duration_ms', num],
  enableAutoCommit: ['enable_auto_commit', bool],
  autoCommitIntervalMs: ['auto_commit_interval_ms', num],
  maxPollRecords: ['max_poll_records', num],
  maxPollBytes: ['max_poll_bytes', num],
  isolation: ['isolation', enumOf('OFFLOG_ISOLATION_', 'isolation')],
  sessionTimeoutMs: ['session_timeout_ms', num],
  heartbeatIntervalMs: ['heartbeat_interval_ms', num],
  maxPollIntervalMs: ['max_poll_interval_ms', num],
  assignor: ['assignor', enumOf('OFFLOG_ASSIGNOR_', 'assignor')],
  groupInstanceId: ['group_instance_id', String],
};

module.exports = {
  apply, storeOptions, topicFields, producerFields, consumerFields, enumOf,
};
