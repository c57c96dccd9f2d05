// Bind helpers that turn 'error' events into rejected promises with a
// message naming the address, since dns2's listen() never rejects.
import type { Socket as DgramSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { PopAgentError } from './errors.js';

export function bindUdp(socket: DgramSocket, address: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (cause: Error) => reject(new PopAgentError('LISTEN_FAILED', `${what}: cannot bind UDP ${address}:${port}: ${cause.message}`, { cause }));
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.removeListener('error', onError);
      resolve(socket.address().port);
    });
  });
}

export function listenTcp(server: Server, address: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (cause: Error) =>
      reject(new PopAgentError('LISTEN_FAILED', `${what}: cannot listen on TCP ${address}:${port}: ${cause.message}`, { cause }));
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.removeListener('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
