// The few parts of `ws` (installed with @fastify/websocket) that the end-to-end tests use.
declare module 'ws' {
  export default class WebSocket {
    constructor(url: string, options?: { headers?: Record<string, string> });
    on(event: 'open' | 'close', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(
      event: 'unexpected-response',
      listener: (request: unknown, response: { statusCode?: number }) => void
    ): this;
    close(): void;
  }
}
