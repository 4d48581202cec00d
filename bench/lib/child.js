import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MARK = '@@bench ';

/** Called by a measure running as a child: hands its result (plus this process's peak RSS) to the parent. */
export function report(result) {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${MARK}${JSON.stringify({ ...result, peak_rss_mb: round(peakRssMb, 1) })}\n`);
}

/** Parses `--name value` pairs of a child's argv. */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

/**
 * Runs one measure in its own process, so that peak RSS, the heap and SQLite's caches belong to
 * that measure alone. Resolves with the object the child passed to report().
 */
export function runMeasure(script, options = {}, nodeFlags = [], cwd = undefined) {
  const path = fileURLToPath(new URL(`../measures/${script}`, import.meta.url));
  const argv = Object.entries(options).flatMap(([key, value]) => [`--${key}`, String(value)]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, path, ...argv], { stdio: ['ignore', 'pipe', 'inherit'], cwd });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) {
        reject(new Error(`bench/measures/${script} ${argv.join(' ')} exited with ${code}\n${stdout}`));
        return;
      }
      resolve(JSON.parse(line.slice(MARK.length)));
    });
  });
}

export function round(value, digits = 0) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/**
 * Bytes this process (every thread) has passed to write(2) and its kind: `wchar` of /proc/self/io,
 * null off Linux. For a SQLite writer that is the WAL and the checkpoints' copies into the file.
 */
export function bytesWritten() {
  try {
    return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))[1]);
  } catch {
    return null;
  }
}
