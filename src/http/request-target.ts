import { InvalidRequestError } from '../core/errors.js';

/**
 * Turns what a caller passed as the URL into a path for the service: a path (`/v1/items?x=1`),
 * or an absolute URL whose host is the service name (`http://payments/v1/items`).
 *
 * @throws InvalidRequestError when an absolute URL names another host, or carries credentials
 */
export function toPath(target: string | URL, service: string): string {
  if (typeof target === 'string') {
    if (target.startsWith('/')) return target;
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target)) return `/${target}`;
  }
  let url: URL;
  try {
    url = typeof target === 'string' ? new URL(target) : target;
  } catch {
    throw new InvalidRequestError(`Invalid request URL ${JSON.stringify(String(target))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidRequestError(`Request URL ${JSON.stringify(url.href)} is not http(s)`);
  }
  if (url.hostname !== service.toLowerCase()) {
    throw new InvalidRequestError(
      `Request URL ${JSON.stringify(url.href)} names host "${url.hostname}", but this client serves "${service}": pass a path or an http://${service}/... URL`,
    );
  }
  if (url.username || url.password) throw new InvalidRequestError('Request URL must not carry credentials; send them in a header');
  return `${url.pathname}${url.search}`;
}
