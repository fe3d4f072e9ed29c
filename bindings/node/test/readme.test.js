'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

test('the README example runs as written', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)[1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offlog-node-readme-'));
  try {
    // `require('offlog')` finds the package as an installed one would be.
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(path.join(__dirname, '..'), path.join(dir, 'node_modules', 'offlog'));
    fs.writeFileSync(path.join(dir, 'example.js'), example);
    const out = execFileSync(process.execPath, ['example.js'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out, '0 sensor-7 21.5\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
