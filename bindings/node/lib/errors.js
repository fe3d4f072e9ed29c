'use strict';

const { c, constants } = require('./native');

// An error of the library: `code` is its symbolic name ('OFFLOG_ERANGE'),
// `errno` its number (-7), `detail` the library's detail message (which
// topic, which offset range), also in `message`.
class OfflogError extends Error {
  constructor(errno, detail) {
    const code = c.offlog_errname(errno);
    super(`${code}: ${detail || c.offlog_strerror(errno)}`);
    this.name = 'OfflogError';
    this.code = code;
    this.errno = errno;
    this.detail = detail || '';
  }
}

// Throw for a negative result code, with the detail of this thread's last
// failing call (calls made on the JS thread) or of `errmsg()`.
function check(rc, errmsg) {
  if (rc < 0) throw new OfflogError(rc, errmsg ? errmsg() : c.offlog_errmsg());
  return rc;
}

// An error the binding itself raises, under the library's code for it.
function stateError(detail, name = 'OFFLOG_ESTATE') {
  return new OfflogError(constants[name], detail);
}

module.exports = { OfflogError, check, stateError };
