// A document's PDF shown in the page with PDF.js (pdfjs-dist): one page at a time drawn into a
// canvas the width of its box, with previous/next buttons. Everything comes in data- attributes
// (no inline script: the CSP allows 'self' only): data-pdf-url (the file, through the access rule),
// data-pdf-worker (PDF.js's worker, served from 'self': worker-src 'self'; by default the one next to
// this file), data-page-label ("Trang {page}/{pages}"). web/templates/web/documents/_pdf.html writes
// the box with its translated labels and a download link as the fallback; a bare box with only
// data-pdf-url gets its canvas and buttons made here.
import {getDocument, GlobalWorkerOptions} from 'pdfjs-dist';

function furnish(box) {
  const controls = document.createElement('div');
  controls.className = 'pdf-controls';
  controls.dataset.pdfControls = '';
  controls.hidden = true;
  for (const [name, text] of [['pdfPrevious', '\u2039'], ['pdfPage', ''], ['pdfNext', '\u203a']]) {
    const part = document.createElement(name === 'pdfPage' ? 'span' : 'button');
    part.dataset[name] = '';
    part.textContent = text;
    if (name === 'pdfPage') part.setAttribute('aria-live', 'polite');
    else { part.type = 'button'; part.className = 'small'; }
    controls.append(part);
  }
  const canvas = document.createElement('canvas');
  canvas.hidden = true;
  box.classList.add('pdf');
  box.append(controls, canvas);
}

async function show(box) {
  if (!box.querySelector('canvas')) furnish(box);
  const canvas = box.querySelector('canvas');
  const label = box.querySelector('[data-pdf-page]');
  const previous = box.querySelector('[data-pdf-previous]');
  const next = box.querySelector('[data-pdf-next]');
  try {
    GlobalWorkerOptions.workerSrc = box.dataset.pdfWorker || new URL('pdf.worker.min.js', import.meta.url).href;
    // No font or colour-profile folders are shipped (keeps the vendor folder small): embedded fonts
    // are used as they are, the 14 standard ones from the system.
    const pdf = await getDocument({url: box.dataset.pdfUrl, withCredentials: true, useSystemFonts: true}).promise;
    let current = 1;
    let drawing = null;
    const draw = async () => {
      if (drawing) drawing.cancel();
      const page = await pdf.getPage(current);
      const natural = page.getViewport({scale: 1});
      const ratio = window.devicePixelRatio || 1;
      const scale = Math.max(box.clientWidth - 2, 200) / natural.width;
      const viewport = page.getViewport({scale: scale * ratio});
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      drawing = page.render({canvas, viewport});
      try {
        await drawing.promise;
      } catch (error) {
        if (error && error.name === 'RenderingCancelledException') return;
        throw error;
      }
      drawing = null;
      label.textContent = (box.dataset.pageLabel || '{page}/{pages}').replace('{page}', current)
        .replace('{pages}', pdf.numPages);
      previous.disabled = current <= 1;
      next.disabled = current >= pdf.numPages;
      box.dataset.ready = 'true';
    };
    previous.addEventListener('click', () => { if (current > 1) { current -= 1; draw(); } });
    next.addEventListener('click', () => { if (current < pdf.numPages) { current += 1; draw(); } });
    box.querySelector('[data-pdf-controls]').hidden = false;
    canvas.hidden = false;
    await draw();
  } catch (error) {
    box.dataset.ready = 'failed';
    const fallback = box.querySelector('[data-pdf-error]');
    if (fallback) fallback.hidden = false;
  }
}

document.querySelectorAll('[data-pdf-url]').forEach(show);
