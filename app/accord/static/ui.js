// Accord's query page: YASGUI on this server's SPARQL endpoint, one tab per named query.
// The configuration (endpoint, prefixes, queries, dataset terms, base IRI) is embedded by
// the server in the #accord-config element; nothing is fetched from any other origin.
// ui-results.js, ui-views.js and ui-share.js (window.accordUI) run before this file.
(function () {
  "use strict";

  const ui = window.accordUI;
  const config = ui.config;
  const endpoint = ui.endpoint;
  const Yasqe = Yasgui.Yasqe;
  // A permalink (#query=...&view=...) opens its own tab, run and shown in its view.
  const shared = ui.readPermalink(location.hash);

  // Autocompletion from the project's own prefix map and dataset, never from prefix.cc
  // or Linked Open Vocabularies (YASQE's built-in "prefixes", "class" and "property").
  const prefixLines = Object.entries(config.prefixes)
    .map(([prefix, iri]) => `${prefix}: <${iri}>`)
    .sort();
  Yasqe.forkAutocompleter(
    "prefixes",
    { name: "accordPrefixes", get: prefixLines, persistenceId: "accordPrefixes" },
    false,
  );
  Yasqe.forkAutocompleter("class", { name: "accordClasses", get: config.classes, bulk: false }, false);
  Yasqe.forkAutocompleter(
    "property",
    { name: "accordProperties", get: config.properties, bulk: false },
    false,
  );
  // Yasgui deep-merges its configuration, which merges arrays index by index: the
  // completer list is replaced on the shared defaults instead.
  Yasqe.defaults.autocompleters = ["accordPrefixes", "variables", "accordClasses", "accordProperties"];
  Yasqe.defaults.prefixCcApi = null;
  Yasqe.defaults.value =
    Object.entries({ accord: config.prefixes.accord, rdfs: config.prefixes.rdfs })
      .map(([prefix, iri]) => `PREFIX ${prefix}: <${iri}>\n`)
      .join("") + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 20\n";

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    copyEndpointOnNewTab: true,
    autofocus: false, // the page opens on the results; a click puts the cursor in the editor
    autoAddOnInit: false,
    // YASGUI's own reading of the fragment would send unknown keys (view=) to the
    // endpoint as request arguments; the permalink is read below instead.
    populateFromUrl: false,
    tabName: "Query",
    // The prefix block folds to one line; the table abbreviates IRIs with every
    // project prefix, not only those the query declares.
    yasqe: { collapsePrefixesOnLoad: true },
    yasr: { defaultPlugin: "table", prefixes: config.prefixes },
  });

  // One tab per named query (tabs persist in the visitor's browser). A returning visitor
  // gets the server's current text of each named query: a tab still holding the text
  // the server gave last time is replaced; a tab the visitor edited is kept, renamed
  // "(your copy)", beside a fresh one. What the server gave is remembered per query.
  const tabs = () => yasgui.persistentConfig.getTabs().map((id) => yasgui.getTab(id));
  const textOf = (tab) => ((tab.getPersistedJson() || {}).yasqe || {}).value;
  const GIVEN = "accord:named-queries";
  let given = {};
  try {
    given = JSON.parse(window.localStorage.getItem(GIVEN) || "{}") || {};
  } catch (e) {
    given = {};
  }
  const firstVisit = tabs().length === 0;
  config.queries.forEach((q, i) => {
    const old = tabs().find((tab) => tab.getName() === q.name);
    if (old && textOf(old) === q.query) return;
    if (old) {
      if (textOf(old) === given[q.name]) {
        old.close(); // outdated and untouched
      } else {
        old.setName(`${q.name} (your copy)`);
      }
    }
    const tab = { name: q.name, yasqe: { value: q.query }, requestConfig: { endpoint } };
    yasgui.addTab(firstVisit && !shared && i === 0, tab);
  });
  try {
    window.localStorage.setItem(
      GIVEN,
      JSON.stringify(Object.fromEntries(config.queries.map((q) => [q.name, q.query]))),
    );
  } catch (e) {
    // No local storage (private mode): nothing to remember, nothing lost.
  }
  if (tabs().length === 0) {
    yasgui.addTab(true, { requestConfig: { endpoint } });
  }

  // The title and description of the named query in the active tab, shown while the
  // tab holds that query's text: they follow the editor, not only the tab switches.
  const info = document.getElementById("query-info");
  const watched = new WeakSet();
  function describe() {
    const tab = yasgui.getTab();
    const yasqe = tab && tab.getYasqe();
    if (yasqe && !watched.has(yasqe)) {
      watched.add(yasqe);
      yasqe.on("change", describe);
    }
    const q = ui.namedQueryOf(tab);
    info.hidden = !q;
    document.getElementById("query-title").textContent = q ? q.title : "";
    document.getElementById("query-description").textContent = q ? q.description : "";
  }
  yasgui.on("tabSelect", () => setTimeout(describe));
  yasgui.on("tabChange", describe);

  if (shared) {
    // The tab that already holds the query (a named query), or a new one; then the view.
    let tab = tabs().find((t) => textOf(t) === shared.query);
    if (tab) {
      tab.select();
    } else {
      tab = yasgui.addTab(true, { name: "Shared query", yasqe: { value: shared.query }, requestConfig: { endpoint } });
    }
    const yasr = tab.getYasr();
    const view = yasr && yasr.plugins[shared.view];
    if (view) {
      if (view.applyLinkSettings) view.applyLinkSettings(shared.params);
      yasr.selectPlugin(shared.view);
    }
    tab.query().catch(() => {});
  } else if (firstVisit && config.queries.length) {
    // A first visit opens on the first named query, already run.
    // A failed query is shown by YASR itself; nothing is left unhandled.
    yasgui.getTab().query().catch(() => {});
  }
  describe();
  ui.initShare(() => yasgui.getTab());
  window.accordYasgui = yasgui;
})();
