import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP port that refuses connections until `opensAfterMs` has passed, then forwards to `target`:
 * it stands for a broker or database that comes up after the process that needs it.
 */
export interface LateProxy {
  readonly port: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function lateProxy(target: { host: string; port: number }, opensAfterMs: number): Promise<LateProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const upstream = createConnection(target);
    sockets.add(socket).add(upstream);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    socket.pipe(upstream).pipe(socket);
  });
  const opening = setTimeout(() => server.listen(port, '127.0.0.1'), opensAfterMs);
  return {
    port,
    async close() {
      clearTimeout(opening);
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
