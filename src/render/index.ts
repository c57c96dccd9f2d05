export type { RenderErrorCode } from './errors.js';
export { RenderError } from './errors.js';
export type { RenderedFileName, RenderedFiles } from './frr-config.js';
export { PREFIX_LIST, RENDERED_FILE_NAMES, ROUTE_MAP, renderLab, renderRouter } from './frr-config.js';
export { configHash, writeLabConfigs } from './write-configs.js';
