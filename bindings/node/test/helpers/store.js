'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Store } = require('../..');

// A fresh store in a temporary directory, removed after the test.
function tempStore(t, options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offlog-node-'));
  const store = Store.open(path.join(dir, 'store'), options);
  // Consumers the test leaves open are closed before the store.
  const consumers = [];
  const open = store.consumer.bind(store);
  store.consumer = (...args) => {
    const consumer = open(...args);
    consumers.push(consumer);
    return consumer;
  };
  t.after(() => {
    try {
      for (const consumer of consumers.reverse()) consumer.close();
      store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  return store;
}

module.exports = { tempStore };
