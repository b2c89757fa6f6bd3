// Accessibility of the API documentation (templates/verbund/swagger_ui.html).
//
// Loaded after Swagger UI's bundle and before drf-spectacular's initialisation script: it
// adds a Swagger UI plugin to the configuration that script passes, without copying it.
// Two controls of Swagger UI have no accessible name (axe-core, both "critical"):
// - the request-body editor of "Try it out", a <textarea> without a label ("label");
//   other text areas (parameters of object type) keep what Swagger UI gives them;
// - the close button of the "Authorize" dialog, an icon only ("button-name").
"use strict";

(() => {
  const accessibleNames = (system) => {
    const h = system.React.createElement;
    return {
      wrapComponents: {
        TextArea: (Original) => (props) => {
          const named = props["aria-label"] || props["aria-labelledby"];
          const isBody = String(props.className || "").split(" ").includes("body-param__text");
          return h(Original, !named && isBody ? { ...props, "aria-label": "Request body" } : props);
        },
        CloseIcon: (Original) => (props) =>
          h(
            system.React.Fragment,
            null,
            h(Original, props),
            h("span", { className: "docs-visually-hidden" }, "Close"),
          ),
      },
    };
  };

  const original = window.SwaggerUIBundle;
  const withPlugin = (config) =>
    original({ ...config, plugins: [...(config.plugins || []), accessibleNames] });
  window.SwaggerUIBundle = Object.assign(withPlugin, original);
})();
