import helmet from 'helmet';

/**
 * helmet's headers on every response, with a strict Content-Security-Policy for the pages:
 * scripts only from this origin (no inline script, no eval), no framing, no plugins. The
 * widget script and the chat API are fetched by other sites, so resources may be loaded
 * cross-origin (CORS still decides which origins may read the API).
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
  });
}
