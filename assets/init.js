// Swagger UI for /openapi.json. No inline script (the page's CSP allows
// only this origin's files) and no online validator badge (works offline).
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
