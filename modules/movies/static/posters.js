// A poster that fails to load (gone from TMDb, or no network) is swapped for the placeholder.
// Error events do not bubble, so listen in the capture phase; no inline handlers (the CSP).
document.addEventListener("error", (event) => {
  const img = event.target;
  if (img instanceof HTMLImageElement && img.dataset.placeholder && img.src !== img.dataset.placeholder) {
    img.src = img.dataset.placeholder;
    img.alt = "";
  }
}, true);
