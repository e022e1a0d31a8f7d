/**
 * `npm run test:tools` (with test/docker/compose-run.sh): the real-tool tier. Drives Debian's
 * docker-compose, nginx, PostgreSQL and the backend's Python packages; a missing tool fails a
 * test, never skips it (.ci/run installs them; see the README).
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/tools'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300000,
};
