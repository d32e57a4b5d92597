import QRCode from 'qrcode';

export type QrFormat = 'png' | 'svg';

export const QR_SIZE = Object.freeze({ min: 64, max: 2048, default: 512 });
/** Quiet zone in modules: the 4 the QR standard asks for, so every scanner finds the code. */
export const QR_MARGIN = 4;
/** 'M' survives ~15 % damage (a logo, a smudge) while keeping codes for short URLs small. */
export const QR_ERROR_CORRECTION = 'M' as const;

/**
 * What a link's QR code encodes: its short URL plus `qr=1`, so the redirect can tell a scan
 * from a typed or clicked visit (and fire `qr.scanned`).
 */
export function qrText(shortUrl: string): string {
  // A short URL never carries a query of its own (it is origin + slug).
  return `${shortUrl}?qr=1`;
}

export interface RenderedQr {
  contentType: string;
  body: Buffer;
}

/** Renders `text` as a square image of `size` pixels (png) or a scalable image of that nominal size (svg). */
export async function renderQr(text: string, format: QrFormat, size: number): Promise<RenderedQr> {
  const options = { width: size, margin: QR_MARGIN, errorCorrectionLevel: QR_ERROR_CORRECTION };
  if (format === 'svg') {
    const svg = await QRCode.toString(text, { ...options, type: 'svg' });
    return { contentType: 'image/svg+xml; charset=utf-8', body: Buffer.from(svg, 'utf8') };
  }
  return { contentType: 'image/png', body: await QRCode.toBuffer(text, { ...options, type: 'png' }) };
}
