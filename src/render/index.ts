export { RenderError } from './errors.js';
export { RENDERED_FILE_NAMES, renderLab, renderRouter } from './frr-config.js';
export { configHash, writeLabConfigs } from './write-configs.js';
