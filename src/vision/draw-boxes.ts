import sharp from 'sharp';
import type { BBox } from '../core/types.ts';

/** A box to draw on a snapshot, in the snapshot's pixels, labelled with its class and score. */
export interface LabelledBox {
  bbox: BBox;
  class: string;
  confidence: number;
}

// one colour per class, so the same kind of object looks the same on every snapshot
const CLASS_COLOURS: Record<string, string> = { person: '#ff2d2d', car: '#2d8cff', truck: '#2d8cff', bus: '#2d8cff', motorcycle: '#ffb400', bicycle: '#ffb400' };
const DEFAULT_COLOUR = '#00e05a';

export const boxColour = (cls: string): string => CLASS_COLOURS[cls] ?? DEFAULT_COLOUR;

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const boxLabel = (b: LabelledBox): string => `${b.class} ${Math.round(b.confidence * 100)}%`;

/** The SVG overlay of `boxes` for a width × height image: a frame per box and its label above it (inside when at the top edge). */
function overlay(width: number, height: number, boxes: readonly LabelledBox[]): string {
  // lines and text scale with the frame so a 4K snapshot reads like a CIF one
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 40));
  const parts = boxes.map((b) => {
    const x1 = clamp(b.bbox[0], 0, width), y1 = clamp(b.bbox[1], 0, height);
    const x2 = clamp(b.bbox[2], 0, width), y2 = clamp(b.bbox[3], 0, height);
    const colour = boxColour(b.class);
    const text = boxLabel(b);
    const labelH = font + 2 * stroke;
    const labelW = Math.round(text.length * font * 0.62) + 2 * stroke;
    const labelY = y1 - labelH >= 0 ? y1 - labelH : y1;
    return `<rect x="${x1}" y="${y1}" width="${Math.max(0, x2 - x1)}" height="${Math.max(0, y2 - y1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`
      + `<rect x="${x1}" y="${labelY}" width="${labelW}" height="${labelH}" fill="${colour}"/>`
      + `<text x="${x1 + stroke}" y="${labelY + labelH - 2 * stroke}" font-family="sans-serif" font-size="${font}" fill="#ffffff">${escapeXml(text)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

const clamp = (v: number, lo: number, hi: number): number => Math.round(Math.min(hi, Math.max(lo, v)));

/**
 * The JPEG with `boxes` drawn on it (a new JPEG; the input is returned as is when there is nothing
 * to draw). Encoded with full-resolution colour: 4:2:0 chroma would smear thin coloured lines.
 */
export async function drawBoxes(jpeg: Buffer, boxes: readonly LabelledBox[]): Promise<Buffer> {
  if (boxes.length === 0) return jpeg;
  const image = sharp(jpeg);
  const { width, height } = await image.metadata();
  if (!width || !height) throw new Error('snapshot has no dimensions');
  return image.composite([{ input: Buffer.from(overlay(width, height, boxes)), top: 0, left: 0 }]).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer();
}
