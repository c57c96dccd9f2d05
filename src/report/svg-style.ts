// What every drawn report shares: the PoP palette, the font, and escaping
// text for SVG and HTML. Pure.

// Okabe–Ito colours: distinguishable with the common colour-vision
// deficiencies. Red and grey are kept out: they mean "failed".
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#F0E442', '#8C564B', '#17BECF'];
export const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

/** Text for an SVG or HTML element or attribute. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
