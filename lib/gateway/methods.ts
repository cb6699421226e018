/**
 * The HTTP methods the app serves, as a header value: the `Allow` of the request guard's 405 and
 * `OPTIONS *` (lib/gateway/request-guard.ts), and `Access-Control-Allow-Methods` of a priced
 * route's CORS preflight (lib/gateway/enforce.ts). No imports, so both the Node-only guard and
 * the proxy can take it.
 */
export const SERVED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
