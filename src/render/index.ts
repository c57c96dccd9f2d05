export { renderLab, renderRouter, RENDERED_FILE_NAMES, PREFIX_LIST, ROUTE_MAP } from './frr-config.js';
export type { RenderedFileName, RenderedFiles } from './frr-config.js';
export { configHash, writeLabConfigs } from './write-configs.js';
export { RenderError } from './errors.js';
export type { RenderErrorCode } from './errors.js';
