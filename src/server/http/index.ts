export { readBody, readJson, mediaType } from './body.js';
export { HttpError, toHttpError, type ErrorMapper } from './errors.js';
export { Router, type Handler, type Method, type RequestContext } from './router.js';
export { startHttpServer, sendJson, type HttpServerOptions, type RunningServer } from './server.js';
