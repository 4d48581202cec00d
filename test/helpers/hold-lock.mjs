// Holds a store's write lock from another process: node hold-lock.mjs <db path> <ms>
// Takes the lock with BEGIN IMMEDIATE, says "locked", and commits after <ms> or at "release" on stdin.
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';

const [path, ms] = process.argv.slice(2);
const db = new Database(path);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\n');
const release = () => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\n');
  process.exit(0);
};
setTimeout(release, Number(ms));
for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'release') release();
