// Photos: shrunk on the phone to at most 1,600 px on the long side, JPEG quality 0.8, before
// they are stored (as Blobs in IndexedDB) and uploaded, so a mountain-village connection copes.

export const MAX_SIDE = 1600;
export const QUALITY = 0.8;

async function decode(file) {
  if (window.createImageBitmap) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      /* fall back to an <img> below */
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function fitWithin(width, height, max = MAX_SIDE) {
  const scale = Math.min(1, max / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

// A File from <input type=file> → a JPEG Blob no larger than MAX_SIDE on either side.
export async function shrink(file) {
  const image = await decode(file);
  const [width, height] = fitWithin(image.width, image.height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; // transparent PNGs become white, not black, as JPEG
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(image, 0, 0, width, height);
  if (image.close) image.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) throw new Error("toBlob failed");
  return { blob, width, height };
}
