import { Flags } from '@oclif/core';
import { TraceCommand } from '../base-command.js';

export default class Serve extends TraceCommand<typeof Serve> {
  static override enableJsonFlag = false;
  static override summary = 'Serve the read API, ingest, the live stream and the web viewer over HTTP, until interrupted.';
  static override description =
    'Prints its URL and runs until SIGINT or SIGTERM. On a loopback address no token is needed unless one is given; ' +
    'on any other address the server refuses to start without --token (or TRACE_TOKEN), and then every request must ' +
    'carry "Authorization: Bearer <token>". The API is described in docs/serve.md.';

  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 8080 --db postgres://trace@db.internal/trace',
    'TRACE_TOKEN=$(openssl rand -hex 16) <%= config.bin %> serve --host 0.0.0.0',
  ];

  static override flags = {
    port: Flags.integer({ description: 'Port to listen on (0 picks a free one)', default: 7700, min: 0, max: 65_535 }),
    host: Flags.string({ description: 'Address to listen on; anything but loopback needs a token', default: '127.0.0.1' }),
    token: Flags.string({ description: 'Require "Authorization: Bearer <token>" on every request', env: 'TRACE_TOKEN' }),
    cors: Flags.string({ description: 'Allow browser pages of this one origin (e.g. https://viewer.example.com) to call the API' }),
    'max-body': Flags.integer({ description: 'Largest request body accepted, in bytes', default: 16 * 1024 * 1024, min: 1 }),
    'viewer-assets': Flags.string({ description: 'Serve the viewer from this directory (holding index.html) instead of the built-in one', hidden: true }),
  };

  async run(): Promise<void> {
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { redactKeys } = await import('@tracekernel/store');
    const { startServer } = await import('@tracekernel/server');
    const { flags } = this;
    // The viewer's build lands in dist/viewer/, beside the bundled commands and chunks.
    const builtIn = fileURLToPath(new URL('../viewer/', import.meta.url));
    const viewerAssets = flags['viewer-assets'] ?? (existsSync(`${builtIn}/index.html`) ? builtIn : undefined);
    const store = await this.openStore('write');
    const server = await startServer({
      store,
      port: flags.port,
      host: flags.host,
      ...(flags.token === undefined ? {} : { token: flags.token }),
      ...(flags.cors === undefined ? {} : { cors: flags.cors }),
      ...(viewerAssets === undefined ? {} : { viewerAssets }),
      maxBodyBytes: flags['max-body'],
      redactKeys: redactKeys({ db: this.flags.db, cwd: process.cwd(), env: process.env }),
      onError: (error) => process.stderr.write(`trace serve: internal error: ${(error as Error).stack ?? String(error)}\n`),
    });
    this.log(`trace serve: listening on ${server.url} (store ${store.location})`);
    if (flags.token !== undefined) this.log('trace serve: requests need "Authorization: Bearer <token>"; open the viewer once at /?token=<token>');
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    this.log('trace serve: stopped');
  }
}
