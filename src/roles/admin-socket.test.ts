import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import pino from 'pino';
import { UseCaseError } from '../core/errors.ts';
import { AdminCommands } from './admin-commands.ts';
import { AdminSocketAbsentError, callAdminSocket, startAdminSocket } from './admin-socket.ts';
import type { RunningRole } from './context.ts';

describe('admin socket', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-admin-sock-'));
  const socketPath = path.join(root, 'admin', 'admin.sock');
  const seen: unknown[] = [];
  const registry = new AdminCommands()
    .add({ name: 'test.echo', params: z.object({ text: z.string() }).strict(), run: async (p, actor) => ({ text: p.text, actor: actor.name, role: actor.role }) })
    .add({ name: 'test.refuse', params: z.object({}), run: async () => { throw new UseCaseError('conflict', 'no can do'); } })
    .add({ name: 'test.crash', params: z.object({ secret: z.string() }), run: async (p) => { seen.push(p); throw new Error(`boom ${p.secret}`); } });
  let running: RunningRole;
  const logLines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info', base: undefined }, { write: (l: string) => void logLines.push(JSON.parse(l) as Record<string, unknown>) });

  beforeAll(async () => {
    // a socket file left by a process that died is replaced
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o755 });
    fs.writeFileSync(socketPath, '');
    running = await startAdminSocket(socketPath, registry, log);
  });
  afterAll(async () => {
    await running?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is a 0600 socket in a 0700 directory', () => {
    expect(fs.statSync(socketPath).isSocket()).toBe(true);
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);
  });

  it('runs commands as the command-line admin and returns their result or refusal', async () => {
    expect(await callAdminSocket(socketPath, 'test.echo', { text: 'hi' })).toEqual({ text: 'hi', actor: `cli:${os.userInfo().username}`, role: 'admin' });
    await expect(callAdminSocket(socketPath, 'test.refuse', {})).rejects.toEqual(new UseCaseError('conflict', 'no can do'));
    await expect(callAdminSocket(socketPath, 'test.echo', { text: 1 })).rejects.toMatchObject({ failure: 'invalid', message: expect.stringMatching(/^text: /) });
    await expect(callAdminSocket(socketPath, 'nope', {})).rejects.toMatchObject({ failure: 'invalid', message: expect.stringMatching(/no admin command 'nope' \(known: test.crash, test.echo, test.refuse\)/) });
    // a failure inside a command says only that it failed: its message can hold what was sent
    const crash = callAdminSocket(socketPath, 'test.crash', { secret: 'hunter2' });
    await expect(crash).rejects.toThrow('internal error; see the Vigil log');
    await expect(crash).rejects.not.toThrow(/hunter2/);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'admin command done', command: 'test.echo', actor: `cli:${os.userInfo().username}` }));
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'admin command refused', command: 'test.refuse', reason: 'no can do' }));
  });

  it('answers several requests on one connection in order, and malformed lines with a reason', async () => {
    const c = net.connect(socketPath);
    const lines = readline.createInterface({ input: c })[Symbol.asyncIterator]();
    c.write('{"id": 1, "command": "test.echo", "params": {"text": "a"}}\n{"id": 2, "command": "test.echo", "params": {"text": "b"}}\nnot json\n{"id": 3}\n');
    const next = async () => JSON.parse((await lines.next()).value as string);
    expect(await next()).toEqual({ id: 1, ok: true, result: expect.objectContaining({ text: 'a' }) });
    expect(await next()).toEqual({ id: 2, ok: true, result: expect.objectContaining({ text: 'b' }) });
    expect(await next()).toEqual({ id: null, ok: false, error: { code: 'invalid', message: expect.stringMatching(/one JSON request/) } });
    expect(await next()).toEqual({ id: 3, ok: false, error: { code: 'invalid', message: "a request names its 'command'" } });
    c.destroy();
  });

  it('keeps a character split between two writes whole', async () => {
    const c = net.connect(socketPath);
    const lines = readline.createInterface({ input: c })[Symbol.asyncIterator]();
    const bytes = Buffer.from('{"id": 9, "command": "test.echo", "params": {"text": "caf\u00e9 \u{1F512}"}}\n');
    const cut = bytes.indexOf(0xf0) + 2;
    c.write(bytes.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 50));
    c.write(bytes.subarray(cut));
    expect(JSON.parse((await lines.next()).value as string).result.text).toBe('caf\u00e9 \u{1F512}');
    c.destroy();
  });

  it('closes a connection that sends an endless line', async () => {
    const c = net.connect(socketPath);
    const closed = new Promise<string>((resolve) => {
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('close', () => resolve(got));
    });
    c.on('error', () => {});
    c.write('x'.repeat(100 * 1024));
    expect(await closed).toMatch(/longer than 65536 bytes/);
  });

  it('refuses to start a second server on a socket that answers, and tells a client when nothing listens', async () => {
    await expect(startAdminSocket(socketPath, registry, log)).rejects.toThrow(/already serves/);
    await expect(callAdminSocket(path.join(root, 'none.sock'), 'test.echo', { text: 'x' })).rejects.toBeInstanceOf(AdminSocketAbsentError);
    await expect(startAdminSocket(path.join(root, 'x'.repeat(120), 's.sock'), registry, log)).rejects.toThrow(/unix sockets allow 107: set api.admin_socket/);
  });
});
