// The API reference: Swagger UI from the service's own copy, reading the service's own
// OpenAPI document. Nothing is fetched from anywhere else (no validator badge, no remote spec).
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
