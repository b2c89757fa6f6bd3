// Accessibility of the API documentation (templates/verbund/swagger_ui.html).
//
// Loaded after Swagger UI's bundle and before drf-spectacular's initialisation script: it
// adds a Swagger UI plugin to the configuration that script passes, without copying it.
// Three controls of Swagger UI have no accessible name (axe-core, all "critical"):
// - the request-body editor of "Try it out", a <textarea> without a label ("label");
//   other text areas (parameters of object type) keep what Swagger UI gives them;
// - the value list of an enum parameter, a <select> without a label ("select-name"): it is
//   named after its parameter (Swagger UI's Select passes no aria-label or title on);
// - the close button of the "Authorize" dialog, an icon only ("button-name");
// - the list of request examples of an operation that has several or named examples, a
//   <select> whose visible "Examples:" text is no <label> ("select-name").
"use strict";

(() => {
  // After mount: name the <select> inside by the parameter (or form field) of its row.
  const nameSelect = (wrapper) => {
    const select = wrapper && wrapper.querySelector("select");
    if (!select || select.hasAttribute("aria-label")) {
      return;
    }
    const row = wrapper.closest("tr[data-param-name], tr[data-property-name]");
    const name = row && (row.dataset.paramName || row.dataset.propertyName);
    select.setAttribute("aria-label", name || "Value");
  };

  // After mount: name the examples list of a request body.
  const nameExamples = (wrapper) => {
    const select = wrapper && wrapper.querySelector("select");
    if (select && !select.hasAttribute("aria-label")) {
      select.setAttribute("aria-label", "Examples");
    }
  };

  const accessibleNames = (system) => {
    const h = system.React.createElement;
    return {
      wrapComponents: {
        TextArea: (Original) => (props) => {
          const named = props["aria-label"] || props["aria-labelledby"];
          const isBody = String(props.className || "").split(" ").includes("body-param__text");
          return h(Original, !named && isBody ? { ...props, "aria-label": "Request body" } : props);
        },
        Select: (Original) => (props) =>
          h("span", { className: "docs-contents", ref: nameSelect }, h(Original, props)),
        ExamplesSelect: (Original) => (props) =>
          h("span", { className: "docs-contents", ref: nameExamples }, h(Original, props)),
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
