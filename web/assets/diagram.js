// The instance page's BPMN diagram: bpmn-js's NavigatedViewer (pan, zoom), with the steps marked
// completed, current, waiting or overdue. Everything it needs comes in data- attributes (no inline
// script: the page's CSP allows 'self' only): data-diagram-url answers {"bpmn": xml, "states": {id: state}}.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

async function show(container) {
  try {
    const response = await fetch(container.dataset.diagramUrl, {
      credentials: 'same-origin', headers: {Accept: 'application/json'},
    });
    if (!response.ok) throw new Error(String(response.status));
    const {bpmn, states} = await response.json();
    const viewer = new NavigatedViewer({container});
    await viewer.importXML(bpmn);
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    canvas.zoom('fit-viewport');
    for (const [id, state] of Object.entries(states)) {
      if (registry.get(id)) canvas.addMarker(id, 'step-' + state);
    }
    container.dataset.ready = 'true';
  } catch (error) {
    container.dataset.ready = 'failed';
    const fallback = container.querySelector('[data-diagram-error]');
    if (fallback) fallback.hidden = false;
  }
}

document.querySelectorAll('[data-diagram-url]').forEach(show);
