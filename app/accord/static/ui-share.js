// The query page's "Code" and "Link" buttons: the active tab's query as a Python
// (SPARQLWrapper, pandas), R or curl snippet against this server's endpoint, and a
// permalink (#query=...&view=...) that opens the page on that query, runs it and shows
// that view. Loaded after ui-results.js (window.accordUI), before ui.js.
(function () {
  "use strict";

  const ui = window.accordUI;

  // --- permalinks ---------------------------------------------------------------------

  /** The page's address with the query, the view and the view's own settings (a
   * chart's type: {chart: "line"}) in the fragment (never sent to the server, so a long
   * query makes no long request line). */
  ui.permalink = function (query, view, settings) {
    const params = new URLSearchParams({ query });
    if (view && view !== "table") params.set("view", view);
    for (const [key, value] of Object.entries(settings || {})) params.set(key, value);
    return `${location.origin}${location.pathname}${location.search}#${params}`;
  };
  /** A view (YASR plugin) with settings of its own says which go into a permalink with
   * linkSettings() ({name: value}) and takes them back with applyLinkSettings(params). */
  ui.tabPermalink = function (tab) {
    const yasr = tab.getYasr();
    const view = yasr ? yasr.getSelectedPluginName() : "table";
    const plugin = yasr && yasr.plugins[view];
    return ui.permalink(tab.getQuery(), view, plugin && plugin.linkSettings ? plugin.linkSettings() : {});
  };
  /** {query, view, params} from the page's fragment, or null (params: every argument,
   * for the view's settings). YASGUI's own share links (query=...&outputFormat=...) are
   * read too. */
  ui.readPermalink = function (hash) {
    const params = new URLSearchParams((hash || "").replace(/^#/, ""));
    const query = params.get("query");
    if (!query) return null;
    return { query, view: params.get("view") || params.get("outputFormat") || "table", params };
  };
  // YASQE's own share button gives the same link.
  Yasgui.Tab.prototype.getShareableLink = function () {
    return ui.tabPermalink(this);
  };

  // --- code snippets ------------------------------------------------------------------

  const pythonString = (text) => `"""${text.replace(/\\/g, "\\\\").replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"')}"""`;
  function rString(text) {
    // R 4.0 raw strings: r"(...)", with dashes when the text holds )" itself.
    let dashes = "";
    while (text.includes(`)${dashes}"`)) dashes += "-";
    return `r"${dashes}(${text})${dashes}"`;
  }
  function hereDocument(text) {
    let end = "SPARQL";
    while (text.split("\n").includes(end)) end += "_END";
    return [end, text.replace(/\n$/, "")];
  }

  /** [{id, title, code}] for the query; `kind` is YASQE's query type (SELECT, ASK, ...). */
  ui.snippets = function (query, kind, endpoint) {
    const graph = kind === "CONSTRUCT" || kind === "DESCRIBE";
    const ask = kind === "ASK";
    const [end, body] = hereDocument(query);
    const out = [];
    if (graph) {
      out.push({
        id: "python",
        title: "Python (SPARQLWrapper)",
        code: `from rdflib import Graph
from SPARQLWrapper import POST, TURTLE, SPARQLWrapper

sparql = SPARQLWrapper(${JSON.stringify(endpoint)})
sparql.setMethod(POST)
sparql.setQuery(${pythonString(query)})
sparql.setReturnFormat(TURTLE)
graph = Graph().parse(data=sparql.queryAndConvert(), format="turtle")
print(graph.serialize(format="turtle"))
`,
      });
    } else {
      out.push({
        id: "python",
        title: "Python (SPARQLWrapper)",
        code: `from SPARQLWrapper import JSON, POST, SPARQLWrapper

sparql = SPARQLWrapper(${JSON.stringify(endpoint)})
sparql.setMethod(POST)
sparql.setQuery(${pythonString(query)})
sparql.setReturnFormat(JSON)
results = sparql.queryAndConvert()
${ask ? 'print(results["boolean"])' : 'for row in results["results"]["bindings"]:\n    print({name: term["value"] for name, term in row.items()})'}
`,
      });
    }
    if (!graph && !ask) {
      out.push({
        id: "pandas",
        title: "Python (pandas)",
        code: `from urllib.parse import urlencode

import pandas as pd

query = ${pythonString(query)}
frame = pd.read_csv(${JSON.stringify(endpoint + "?")} + urlencode({"query": query, "format": "csv"}))
print(frame)
`,
      });
    }
    const format = graph ? "ttl" : ask ? "json" : "csv";
    out.push({
      id: "r",
      title: "R",
      code: `query <- ${rString(query)}
url <- paste0(${JSON.stringify(`${endpoint}?format=${format}&query=`)}, URLencode(query, reserved = TRUE))
${graph ? "turtle <- readLines(url)\ncat(turtle, sep = \"\\n\")" : ask ? "print(readLines(url, warn = FALSE))" : "frame <- read.csv(url)\nprint(frame)"}
`,
    });
    const accept = graph ? "text/turtle" : ask ? "application/sparql-results+json" : "text/csv";
    out.push({
      id: "curl",
      title: "curl",
      code: `curl -s '${endpoint.replace(/'/g, "'\\''")}' -H 'Accept: ${accept}' --data-urlencode query@- <<'${end}'
${body}
${end}
`,
    });
    return out;
  };

  // --- the dialogs --------------------------------------------------------------------

  async function copy(text, status) {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = "Copied.";
    } catch (e) {
      status.textContent = "Select the text and copy it (the browser refused).";
    }
  }

  /** The named query of the tab while the tab holds its text (the catalogue's query of
   * the tab's name, unedited), else null. */
  ui.namedQueryOf = function (tab) {
    const yasqe = tab && tab.getYasqe();
    if (!yasqe) return null;
    const text = yasqe.getValue();
    return ui.config.queries.find((q) => q.name === tab.getName() && q.query === text) || null;
  };

  /** The citation page (/cite) of the answer to the tab's query: as a named query
   * (named=) while the tab holds the catalogue's text, else as the query itself. */
  ui.citeHref = function (tab) {
    const named = ui.namedQueryOf(tab);
    const params = named ? { named: named.name } : { query: tab.getQuery() };
    return new URL(`cite?${new URLSearchParams(params)}`, document.baseURI).href;
  };

  /** Wire the toolbar's buttons to their dialogs; `activeTab()` gives YASGUI's tab. */
  ui.initShare = function (activeTab) {
    // The link is brought up to date as the pointer or the focus reaches it.
    const cite = document.getElementById("accord-cite-button");
    const updateCite = () => (cite.href = ui.citeHref(activeTab()));
    for (const event of ["pointerdown", "focus", "mouseenter"]) cite.addEventListener(event, updateCite);
    const codeDialog = document.getElementById("accord-code");
    const codeTabs = document.getElementById("accord-code-tabs");
    const codeText = document.getElementById("accord-code-text");
    const codeStatus = document.getElementById("accord-code-status");
    let chosen = "python";
    let snippets = [];
    function showSnippet(id) {
      const snippet = snippets.find((s) => s.id === id) || snippets[0];
      chosen = snippet.id;
      codeText.textContent = snippet.code;
      codeText.dataset.language = snippet.id;
      for (const button of codeTabs.querySelectorAll("button")) {
        button.setAttribute("aria-selected", String(button.dataset.snippet === snippet.id));
      }
      codeStatus.textContent = "";
    }
    document.getElementById("accord-code-button").addEventListener("click", () => {
      const tab = activeTab();
      const yasqe = tab.getYasqe();
      snippets = ui.snippets(tab.getQuery(), yasqe.getQueryType(), ui.endpoint);
      codeTabs.replaceChildren(
        ...snippets.map((s) => {
          const button = document.createElement("button");
          button.type = "button";
          button.setAttribute("role", "tab");
          button.dataset.snippet = s.id;
          button.textContent = s.title;
          button.addEventListener("click", () => showSnippet(s.id));
          return button;
        }),
      );
      showSnippet(chosen);
      codeDialog.showModal();
    });
    document.getElementById("accord-code-copy").addEventListener("click", () => copy(codeText.textContent, codeStatus));

    const linkDialog = document.getElementById("accord-link");
    const linkText = document.getElementById("accord-link-text");
    const linkOpen = document.getElementById("accord-link-open");
    const linkStatus = document.getElementById("accord-link-status");
    document.getElementById("accord-link-button").addEventListener("click", () => {
      linkText.value = ui.tabPermalink(activeTab());
      linkOpen.href = linkText.value;
      linkStatus.textContent = "";
      linkDialog.showModal();
      linkText.select();
    });
    document.getElementById("accord-link-copy").addEventListener("click", () => copy(linkText.value, linkStatus));
  };
})();
