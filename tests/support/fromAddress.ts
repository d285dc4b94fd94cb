import { request } from 'node:http';

/**
 * An HTTP request sent from a chosen local address (any of 127.0.0.0/8 reaches loopback on
 * Linux): a proxy in front of the nodes then sees distinct clients, as it would on the internet.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.once('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.once('error', reject);
    req.end(options.body);
  });
}
