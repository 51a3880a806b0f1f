declare module 'node-media-server';
declare module 'node-media-server/src/core/logger.js';
