// The pages' own behaviour, loaded on every page (no inline script: the CSP allows 'self' only).
// Server values come in data- attributes; htmx (vendor/htmx.min.js) does the partial updates.
(function () {
  'use strict';

  // A partial update the server refused or could not answer: say so in the page's alert region
  // (htmx 2 does not swap 4xx/5xx answers, except 422 forms: see the htmx-config meta tag).
  document.addEventListener('htmx:responseError', function (event) {
    var region = document.getElementById('page-error');
    if (!region) return;
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    region.textContent = document.body.dataset.errorMessage + (status ? ' (' + status + ')' : '');
  });
  document.addEventListener('htmx:sendError', function () {
    var region = document.getElementById('page-error');
    if (region) region.textContent = document.body.dataset.errorMessage;
  });
  document.addEventListener('htmx:afterSwap', function () {
    var region = document.getElementById('page-error');
    if (region) region.textContent = '';
  });

  // After a refused submission, take the keyboard to the list of what to correct.
  function focusErrors() {
    var summary = document.querySelector('[data-error-summary]:not([hidden])');
    if (summary) {
      summary.setAttribute('tabindex', '-1');
      summary.focus();
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    focusErrors();
    document.documentElement.dataset.ready = 'true';
  });
})();
