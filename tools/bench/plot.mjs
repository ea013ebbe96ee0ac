// A dependency-free line plot written as a PNG (RGB, zlib from node:zlib): axes, grid lines at
// the data's x values, and one polyline per series. Good enough for the B6 scaling curve.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};

/** Encodes an RGB raster (`width*height*3` bytes) as PNG. */
export function encodePng(width, height, rgb) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Writes a line plot of `series` ({ color: [r,g,b], points: [[x, y], ...] }) to `file`.
 * Both axes start at 0 and are linear, so a straight line through the origin means linear scaling.
 */
export function writeLinePlot(file, { series, width = 800, height = 500 }) {
  const rgb = Buffer.alloc(width * height * 3, 255);
  const set = (x, y, [r, g, b]) => {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 3;
    rgb[i] = r;
    rgb[i + 1] = g;
    rgb[i + 2] = b;
  };
  const line = (x0, y0, x1, y1, color, thick = 1) => {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dx = -thick + 1; dx < thick; dx++)
        for (let dy = -thick + 1; dy < thick; dy++) set(x + dx, y + dy, color);
    }
  };
  const pad = 50;
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(...all.map((p) => p[0]), 1);
  const maxY = Math.max(...all.map((p) => p[1]), 1);
  const px = (x) => pad + (x / maxX) * (width - 2 * pad);
  const py = (y) => height - pad - (y / maxY) * (height - 2 * pad);
  const grey = [220, 220, 220];
  for (const x of new Set(all.map((p) => p[0]))) line(px(x), py(0), px(x), py(maxY), grey);
  for (let i = 1; i <= 4; i++) line(px(0), py((maxY * i) / 4), px(maxX), py((maxY * i) / 4), grey);
  line(px(0), py(0), px(maxX), py(0), [0, 0, 0]);
  line(px(0), py(0), px(0), py(maxY), [0, 0, 0]);
  for (const s of series) {
    const pts = [[0, 0], ...s.points].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pts.length; i++)
      line(px(pts[i - 1][0]), py(pts[i - 1][1]), px(pts[i][0]), py(pts[i][1]), s.color, 2);
    for (const [x, y] of s.points)
      for (let d = -4; d <= 4; d++) line(px(x) - 4, py(y) + d, px(x) + 4, py(y) + d, s.color);
  }
  writeFileSync(file, encodePng(width, height, rgb));
}
