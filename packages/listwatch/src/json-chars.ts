// The JSON structural characters as UTF-16 code units (also their UTF-8 bytes), shared by the two
// scanners that walk raw JSON text: the streamed list decoder and the fieldsV1 sharing decode.

/** `"` */
export const QUOTE = 0x22;
/** `\` */
export const BACKSLASH = 0x5c;
/** `{` */
export const LBRACE = 0x7b;
/** `}` */
export const RBRACE = 0x7d;
/** `[` */
export const LBRACKET = 0x5b;
/** `]` */
export const RBRACKET = 0x5d;
/** `,` */
export const COMMA = 0x2c;
/** `:` */
export const COLON = 0x3a;

/** JSON whitespace (RFC 8259 §2): space, tab, line feed, carriage return. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
