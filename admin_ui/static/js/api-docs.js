// Boots Swagger UI on /api/docs (admin_ui/templates/api/docs.html) against the combined OpenAPI
// document. A file of its own, not an inline script: the Content-Security-Policy forbids those.
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  const tokenMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = tokenMeta ? tokenMeta.content : null;
  const safeMethods = ["GET", "HEAD", "OPTIONS", "TRACE"];

  // "Try it out" sends the browser's session cookie; the server refuses an unsafe request that
  // carries the cookie without the session's CSRF token, so add it, to this site's requests only.
  function addCsrfToken(request) {
    const method = (request.method || "GET").toUpperCase();
    const sameOrigin = new URL(request.url, window.location.href).origin === window.location.origin;
    if (csrfToken && sameOrigin && !safeMethods.includes(method)) {
      request.headers["X-CSRF-Token"] = csrfToken;
    }
    return request;
  }

  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // The default validator badge sends the document's address to an outside service.
    validatorUrl: null,
    requestInterceptor: addCsrfToken,
  });
})();
