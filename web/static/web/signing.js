// A signing step of the task page (web/templates/web/signing/_step.html). A certificate whose key the
// server holds is signed by the plain form post (with the PIN). A certificate on a USB token goes
// through the two-step flow: prepare (the server returns the digest) → the local signing plugin signs
// it → complete. The plugin is reached only through this documented hook (docs/WEB.md, "Signing"):
//
//   window.quytrinhSigner = {
//     sign(digestBase64, certificateBase64, details) → Promise<signatureBase64 | {signature, certificate}>
//   }
//
// digestBase64: the SHA-256 digest to sign as pre-hashed (RSA PKCS#1 v1.5 or ECDSA, details.algorithm);
// certificateBase64: the DER of the certificate chosen in the page, to find the key on the token;
// details: {algorithm, digestAlgorithm, dataToSign (DER signed attributes, base64, for plugins that
// hash themselves), expiresAt}. Resolve with the signature value (base64; ECDSA as DER), or with an
// object also naming the certificate the token used (base64 DER or PEM). Reject to give up.
(function () {
  'use strict';

  function post(url, body) {
    return fetch(url, {method: 'POST', body: body, credentials: 'same-origin',
                       headers: {'Accept': 'application/json'}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) {
            var error = new Error(json.message || String(response.status));
            error.fromServer = Boolean(json.message);
            throw error;
          }
          return json;
        });
      });
  }

  function setUp(section) {
    var form = section.querySelector('[data-sign-form]');
    if (!form) return;
    var errors = form.querySelector('[data-sign-error]');
    var status = form.querySelector('[data-token-status]');
    var pin = form.querySelector('[data-pin-field]');
    var button = form.querySelector('[data-sign-button]');

    function chosen() { return form.querySelector('input[name=certificate]:checked'); }
    function onToken() { var c = chosen(); return Boolean(c && c.dataset.key === 'external'); }
    function showError(message) {
      errors.textContent = message;
      errors.hidden = false;
      errors.setAttribute('tabindex', '-1');
      errors.focus();
    }
    function togglePin() { if (pin) pin.hidden = onToken(); }

    form.addEventListener('change', togglePin);
    togglePin();

    form.addEventListener('submit', function (event) {
      if (!onToken()) return;  // the server holds the key: the ordinary form post signs
      event.preventDefault();
      errors.hidden = true;
      var signer = window.quytrinhSigner;
      if (!signer || typeof signer.sign !== 'function') {
        showError(section.dataset.tokenMissing);
        return;
      }
      var token = form.querySelector('input[name=csrfmiddlewaretoken]').value;
      var asked = new FormData();
      asked.append('csrfmiddlewaretoken', token);
      asked.append('certificate', chosen().value);
      button.disabled = true;
      status.textContent = section.dataset.tokenWorking;
      post(section.dataset.prepareUrl, asked)
        .then(function (prepared) {
          var details = {algorithm: prepared.signature_algorithm, digestAlgorithm: prepared.digest_algorithm,
                         dataToSign: prepared.data_to_sign, expiresAt: prepared.expires_at};
          return Promise.resolve(signer.sign(prepared.digest, prepared.certificate, details))
            .then(function (answer) {
              var signed = new FormData();
              signed.append('csrfmiddlewaretoken', token);
              signed.append('signature', typeof answer === 'string' ? answer : answer.signature);
              if (answer && answer.certificate) signed.append('certificate', answer.certificate);
              return post(prepared.complete, signed);
            }, function () {
              throw new Error(section.dataset.tokenFailed);
            });
        })
        .then(function (done) { window.location.assign(done.redirect); })
        .catch(function (error) {
          status.textContent = '';
          button.disabled = false;
          showError(error.fromServer || error.message === section.dataset.tokenFailed
            ? error.message : document.body.dataset.errorMessage);
        });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-signing]').forEach(setUp);
  });
})();
