/** Saves text as a file (recovery codes, a CSV export). */
export function download(name: string, type: string, content: string): void {
  downloadBlob(name, new Blob([content], { type }));
}

/** Saves a blob as a file through a temporary link (the browser's own download). */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
