/** A UTC time for file and directory names: sortable, no colons (2026-05-01T12-00-00Z). */
export const timestamp = (d = new Date()): string =>
  d
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
