import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, errorLine, TRACE_BIN, tempDirs, trace } from './helpers/trace-cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Starts `trace serve ...` and resolves once it has printed its URL. */
function startServe(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [TRACE_BIN, 'serve', ...args], { cwd, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+\/)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`trace serve exited ${code} before printing its URL: ${stderr}`)));
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

describe('trace serve, end to end', () => {
  it('refuses to listen off loopback without a token, in one line', async () => {
    const result = await trace(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: dirs.make() });
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(/^trace: --host 0\.0\.0\.0 is reachable from other machines: give --token \(or set TRACE_TOKEN\)/);
  });

  it('prints its URL, serves the API with the CLI\'s JSON, needs its token, exports, and stops on SIGTERM', async () => {
    const cwd = dirs.make();
    const token = 'e2e-secret-token';
    const server = startServe(['--port', '0'], cwd, { TRACE_TOKEN: token });
    let child: ChildProcess | undefined = server.child;
    try {
      const url = await server.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(server.output().stdout).not.toContain(token);
      const auth = { authorization: `Bearer ${token}` };

      expect((await fetch(`${url}v1/stats`)).status).toBe(401);
      const page = await fetch(url, { headers: auth });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);

      const posted = await fetch(`${url}v1/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-ndjson' },
        body: [
          { primitive: 'ops', type: 'create_task', agent_id: 'zealot-1', target_id: 'task-e2e', metadata: { title: 'Over HTTP' } },
          { primitive: 'ops', type: 'claim_task', agent_id: 'haiku-1', target_id: 'task-e2e', ts: '2030-01-01T00:00:00Z' },
          { primitive: 'ops', type: 'complete_task', agent_id: 'haiku-1', target_id: 'task-e2e', ts: '2030-01-01T00:05:00Z' },
        ].map((event) => JSON.stringify(event)).join('\n'),
      });
      expect(posted.status).toBe(200);
      expect((await posted.json()).inserted).toBe(3);

      const overHttp = await (await fetch(`${url}v1/events?task=task-e2e`, { headers: auth })).json();
      const cli = await trace(['--task', 'task-e2e', '--json'], { cwd });
      expect(cli.code).toBe(0);
      expect(overHttp).toEqual(JSON.parse(cli.stdout));

      const otlp = await trace(['export', 'otlp', '--task', 'task-e2e', '-o', 'task.otlp.json'], { cwd });
      expect(otlp.stdout).toBe('wrote 3 events as OTLP spans to task.otlp.json\n');
      const spans = JSON.parse(readFileSync(join(cwd, 'task.otlp.json'), 'utf8')).resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
      expect(spans.map((span: any) => span.name).sort()).toEqual(['ops.claim_task task-e2e', 'ops.complete_task task-e2e', 'ops.create_task task-e2e']);
      const perfetto = await trace(['export', 'perfetto', '--agent', 'haiku-1', '-o', 'haiku.json', '--json'], { cwd });
      expect(JSON.parse(perfetto.stdout)).toMatchObject({ output: 'haiku.json', events: 2 });
      const slices = JSON.parse(readFileSync(join(cwd, 'haiku.json'), 'utf8')).traceEvents.filter((entry: any) => entry.ph === 'X');
      expect(slices).toMatchObject([{ name: 'task task-e2e', dur: 5 * 60 * 1e6 }]);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      child = undefined;
      expect(server.output().stdout).toMatch(/trace serve: stopped\n$/);
      expect(server.output().stderr).toBe('');
    } finally {
      child?.kill('SIGKILL');
    }
  });
});
