// Swagger UI on this service's own contract. A file, not an inline script: the page's CSP allows only 'self'.
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.yaml", window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    validatorUrl: null, // the default sends the spec to a public validator; nothing leaves this service
  });
});
