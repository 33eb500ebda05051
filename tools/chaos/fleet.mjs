// The services of a chaos run: every service twice, on free ports, in the same consumer groups,
// each a child process that can be killed (SIGKILL), restarted and stopped (SIGTERM, timed).
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SERVICES, startService, stopAll, waitReady } from '../stack/services.mjs';

export const INSTANCES_PER_SERVICE = 2;
export const GRACEFUL_EXIT_MS_MAX = 10_000;
const KILL_AFTER_MS = 30_000;
// A service that cannot reach Kafka or PostgreSQL at start exits; like a supervisor (systemd,
// Kubernetes), the fleet starts it again until it comes up or this much time has passed.
const START_RETRY_MS = 2_000;
const START_DEADLINE_MS = 300_000;

// Service ports come from below Linux's ephemeral range (32768–60999): a port handed out by the OS
// is also used as the local end of outgoing connections, and a killed service restarting on it
// found it taken (EADDRINUSE) for minutes in a full run.
const PORT_RANGE = [21_000, 30_000];
const taken = new Set();

function portIsFree(port) {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolvePromise(true)));
  });
}

async function freePort() {
  for (;;) {
    const port = PORT_RANGE[0] + Math.floor(Math.random() * (PORT_RANGE[1] - PORT_RANGE[0]));
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
}

export class Fleet {
  constructor({ env, logDir }) {
    this.env = env;
    this.logDir = logDir;
    this.members = [];
    this.restarts = 0;
    /** Exits nobody asked for (a crash); the fleet restarts such a process, as a supervisor would. */
    this.unplannedExits = [];
    this.closing = false;
    mkdirSync(logDir, { recursive: true });
  }

  async prepare() {
    for (const { name } of SERVICES) {
      for (let instance = 0; instance < INSTANCES_PER_SERVICE; instance += 1) {
        this.members.push({ name, instance, label: `${name}#${instance + 1}`, instanceId: `${name}-${instance + 1}`, port: await freePort(), handle: null });
      }
    }
  }

  start(member) {
    const handle = startService({
      name: member.name,
      instance: member.instance,
      port: member.port,
      quiet: true,
      env: { ...this.env, RESTOCK_INSTANCE_ID: member.instanceId },
    });
    const log = createWriteStream(join(this.logDir, `${member.instanceId}.log`), { flags: 'a' });
    handle.child.stdout.pipe(log, { end: false });
    handle.child.stderr.pipe(log, { end: false });
    handle.exited.then(() => setTimeout(() => log.end(), 1_000));
    member.handle = handle;
    member.expectExit = false;
    handle.exited.then((code) => {
      if (member.expectExit || this.closing || member.handle !== handle || member.starting) return;
      this.unplannedExits.push({ label: member.label, code, at: new Date().toISOString() });
      setTimeout(() => void this.restart(member).catch(() => {}), START_RETRY_MS);
    });
    return handle;
  }

  async startAll() {
    await Promise.all(this.members.map((member) => this.startUntilReady(member)));
  }

  async startUntilReady(member) {
    const deadline = Date.now() + START_DEADLINE_MS;
    member.starting = true;
    for (;;) {
      this.start(member);
      try {
        await waitReady(member.handle);
        member.starting = false;
        return;
      } catch (error) {
        member.expectExit = true;
        if (member.handle.exitCode === undefined) process.kill(member.handle.child.pid, 'SIGKILL');
        await member.handle.exited;
        if (Date.now() > deadline) {
          member.starting = false;
          throw error;
        }
        await new Promise((resolvePromise) => setTimeout(resolvePromise, START_RETRY_MS));
      }
    }
  }

  running() {
    return this.members.filter((member) => member.handle && member.handle.exitCode === undefined);
  }

  url(name) {
    const member = this.members.find((candidate) => candidate.name === name && candidate.handle?.exitCode === undefined) ?? this.members.find((candidate) => candidate.name === name);
    return `http://127.0.0.1:${member.port}`;
  }

  /** kill -9, then a restart after `restartAfterMs`; resolves when the new process answers ready. */
  async killAndRestart(member, restartAfterMs) {
    const handle = member.handle;
    if (!handle || handle.exitCode !== undefined || member.starting) return;
    // Starting from the kill on: a second kill picked before this exit is seen, or a crash
    // restart, must not start a second process for the member (the first would keep its port).
    member.starting = true;
    member.expectExit = true;
    process.kill(handle.child.pid, 'SIGKILL');
    await handle.exited;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, restartAfterMs));
    this.restarts += 1;
    await this.startUntilReady(member);
  }

  /** SIGTERM, and how long the process took to exit; a process still alive after KILL_AFTER_MS is killed. */
  async terminate(member) {
    const handle = member.handle;
    const startedAt = Date.now();
    member.expectExit = true;
    process.kill(handle.child.pid, 'SIGTERM');
    const timer = setTimeout(() => handle.exitCode === undefined && process.kill(handle.child.pid, 'SIGKILL'), KILL_AFTER_MS);
    const exitCode = await handle.exited;
    clearTimeout(timer);
    return { exitMs: Date.now() - startedAt, exitCode };
  }

  async restart(member) {
    if (member.starting || member.handle?.exitCode === undefined) return;
    this.restarts += 1;
    await this.startUntilReady(member);
  }

  /** Waits until every process answers ready (crashed ones are being restarted). */
  async allReady() {
    await Promise.all(
      this.members.map(async (member) => {
        while (member.starting || member.handle.exitCode !== undefined) await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
        await waitReady(member.handle);
      }),
    );
  }

  async stopAll() {
    this.closing = true;
    await stopAll(this.members.map((member) => member.handle).filter(Boolean));
  }
}
